"""Accounts and the office's settings (admins): users listed, created, changed, deactivated,
their passwords reset and locks lifted; the letterhead, head and SKT numbering of the office."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from services.web.adapters.apis import ApiProblem
from services.web.api.pages import WIB, not_allowed, render, see_other
from services.web.application import accounts as use
from services.web.deps import Apis, CurrentUser, Writer
from services.web.domain import forms, problems

router = APIRouter()
ADMIN = "admin"


def _admins_only(request: Request, user) -> Response | None:
    return not_allowed(request) if user.role != ADMIN else None


@router.get("/pengguna")
async def users(request: Request, user: CurrentUser, apis: Apis) -> Response:
    if (refused := _admins_only(request, user)) is not None:
        return refused
    q = request.query_params
    active = {"aktif": True, "nonaktif": False}.get(q.get("status", ""))
    page = await use.users(apis, user, region=q.get("region") or None, active=active, cursor=q.get("cursor") or None)
    return render(request, "accounts.html", page=page, filters={"region": q.get("region", ""), "status": q.get("status", "")})


@router.get("/pengguna/baru")
async def new_page(request: Request, user: CurrentUser) -> Response:
    if (refused := _admins_only(request, user)) is not None:
        return refused
    return render(request, "account_new.html", values={"region": user.region, "role": "operator"}, errors={})


@router.post("/pengguna/baru")
async def create(request: Request, user: Writer, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    if values.get("password") != values.get("repeat_password"):
        return render(request, "account_new.html", status_code=422, values=values,
                      errors={"repeat_password": "Kata sandi dan ulangannya tidak sama."})
    try:
        made = await use.create(apis, user, forms.account_fields(values))
    except ApiProblem as e:
        if e.kind not in ("invalid", "duplicate", "not-found", "out-of-scope"):
            raise
        errors = problems.field_errors(e.errors)
        if e.kind == "duplicate":
            errors["username"] = "Nama pengguna ini sudah dipakai."
        elif e.kind in ("not-found", "out-of-scope"):
            errors["region"] = problems.field_message("", "region")
        return render(request, "account_new.html", status_code=e.status, values=values, errors=errors,
                      problem=problems.title(e.kind))
    return see_other(f"/pengguna/u/{made['username']}?selesai=dibuat")


@router.get("/pengguna/u/{username}")
async def account(request: Request, username: str, user: CurrentUser, apis: Apis) -> Response:
    if (refused := _admins_only(request, user)) is not None:
        return refused
    return render(request, "account.html", account=await use.account(apis, user, username), errors={}, values={},
                  done=request.query_params.get("selesai"))


@router.post("/pengguna/u/{username}")
async def change(request: Request, username: str, user: Writer, apis: Apis) -> Response:
    """One form per change: details (name, role, region), active or not, a new password, unlock."""
    values = forms.strings(await request.form())
    what = values.get("what")
    try:
        if what == "details":
            await use.change(apis, user, username, {k: values[k] for k in ("full_name", "role", "region") if k in values})
        elif what in ("deactivate", "activate"):
            await use.change(apis, user, username, {"active": what == "activate"})
        elif what == "password":
            if values.get("password") != values.get("repeat_password"):
                raise ApiProblem(status=422, type="urn:kesbang:problem:invalid",
                                 errors=[{"field": "repeat_password", "message": "mismatch"}])
            await use.reset_password(apis, user, username, values.get("password", ""))
        elif what == "unlock":
            await use.unlock(apis, user, username)
        else:
            return see_other(f"/pengguna/u/{username}")
    except ApiProblem as e:
        if e.kind not in ("invalid", "conflict", "out-of-scope"):
            raise
        errors = problems.field_errors(e.errors)
        if "repeat_password" in errors:
            errors["repeat_password"] = "Kata sandi dan ulangannya tidak sama."
        problem = ("Administrator tidak dapat menonaktifkan atau menurunkan perannya sendiri; minta administrator lain."
                   if e.kind == "conflict" else problems.title(e.kind))
        return render(request, "account.html", status_code=e.status, account=await use.account(apis, user, username),
                      errors=errors, problem=problem, values=values)
    return see_other(f"/pengguna/u/{username}?selesai={what}")


@router.get("/kantor")
async def office(request: Request, user: CurrentUser, apis: Apis) -> Response:
    if (refused := _admins_only(request, user)) is not None:
        return refused
    doc = await use.office(apis, user, user.region)
    return render(request, "office.html", values=forms.office_values(doc), errors={}, done=request.query_params.get("selesai"),
                  logo=(doc or {}).get("logo"), signature=(doc or {}).get("signature"))


# the office's images: /kantor/logo (the letterhead's) and /kantor/tanda-tangan (the head's signature)
IMAGES = {"logo": ("logo", "Pilih berkas logo (PNG atau SVG).", "Logo terlalu besar: paling banyak 256 KB.",
                   "Logo harus gambar PNG, atau SVG yang hanya berisi gambar (tanpa skrip atau tautan), paling besar 256 KB."),
          "tanda-tangan": ("signature", "Pilih berkas tanda tangan (PNG).",
                           "Gambar tanda tangan terlalu besar: paling banyak 256 KB.",
                           "Tanda tangan harus gambar PNG, paling besar 256 KB.")}


@router.get("/kantor/logo", name="office_logo")
@router.get("/kantor/tanda-tangan", name="office_signature")
async def office_image(request: Request, user: CurrentUser, apis: Apis) -> Response:
    image = request.url.path.rsplit("/", 1)[1]
    data, media = await use.image(apis, user, user.region, IMAGES[image][0])
    return Response(data, media_type=media, headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
                                                     "Cache-Control": "private, no-cache"})


@router.post("/kantor/logo", name="save_logo")
@router.post("/kantor/tanda-tangan", name="save_signature")
async def save_image(request: Request, user: Writer, apis: Apis) -> Response:
    image = request.url.path.rsplit("/", 1)[1]
    if (refused := _admins_only(request, user)) is not None:
        return refused
    name, none_chosen, too_large, wrong = IMAGES[image]
    form = await request.form()
    if form.get("remove") == "1":
        await use.remove_image(apis, user, user.region, name)
        return see_other(f"/kantor?selesai={image}")
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        error = none_chosen
    else:
        try:
            await use.save_image(apis, user, user.region, name, file.filename, await file.read(),
                                 file.content_type or "application/octet-stream")
            return see_other(f"/kantor?selesai={image}")
        except ApiProblem as e:
            if e.kind not in ("invalid", "too-large"):
                raise
            error = too_large if e.kind == "too-large" else wrong
    doc = await use.office(apis, user, user.region)
    return render(request, "office.html", status_code=422, values=forms.office_values(doc), errors={},
                  logo=(doc or {}).get("logo"), signature=(doc or {}).get("signature"), **{f"{name}_error": error})


@router.get("/kantor/contoh-surat.pdf")
async def letter_preview(request: Request, user: CurrentUser, apis: Apis) -> Response:
    """The office's invitation letter as it will be sent, for a sample kegiatan."""
    if (refused := _admins_only(request, user)) is not None:
        return refused
    office = await use.office(apis, user, user.region)
    try:
        pdf = await use.letter_preview(apis, user, office, dt.datetime.now(WIB).date())
    except ApiProblem as e:
        if e.kind != "invalid":
            raise
        said = " ".join(str(x.get("message", "")) for x in e.errors)
        missing = [label for field, label in (("signatory_name", "nama kepala"), ("signatory_title", "jabatan kepala"))
                   if field in said]
        return render(request, "office.html", status_code=422, values=forms.office_values(office), errors={},
                      problem="Contoh surat belum dapat dibuat: lengkapi " + (" dan ".join(missing) or "pengaturan kantor")
                              + ", lalu simpan.")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="contoh-surat-undangan.pdf"'})


@router.post("/kantor")
async def save_office(request: Request, user: Writer, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    try:
        await use.save_office(apis, user, user.region, forms.office_fields(values))
    except ApiProblem as e:
        if e.kind not in ("invalid",):
            raise
        return render(request, "office.html", status_code=e.status, values=values, logo=None,
                      errors=forms.office_errors(problems.field_errors(e.errors)), problem=problems.title(e.kind))
    return see_other("/kantor?selesai=1")
