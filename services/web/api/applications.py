"""A new organisation's online application: ``/daftar`` (sign up with an e-mail that is verified),
then, signed in to the portal, ``/portal/permohonan`` — its details, its documents against the
checklist of its legal form, the submission, the office's revision notes and the fixes — and its
Surat Keterangan Terdaftar once registered."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.adapters.apis import ApiProblem
from services.web.api.pages import client_address, not_allowed, render, see_other
from services.web.application.ormas import upload_document
from services.web.deps import Apis, CurrentUser, Writer
from services.web.domain import forms, labels
from shared import regions

router = APIRouter()
EDITABLE = ("draft", "revision_requested")
DETAILS = ("name", "acronym", "email", "phone", "whatsapp", "founding_date")


def _signup_page(request: Request, status: int = 200, values=None, error=None) -> Response:
    return render(request, "signup.html", status_code=status, values=values or {}, error=error,
                  provinces=regions.provinces())


@router.get("/daftar")
async def signup_form(request: Request) -> Response:
    return _signup_page(request)


@router.post("/daftar")
async def signup(request: Request, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    body = {"email": values.get("email", "").strip(), "full_name": values.get("full_name", "").strip(),
            "organisation": {"name": values.get("name", "").strip(), "acronym": values.get("acronym", "").strip() or None,
                             "kind": values.get("kind", ""), "legal_form": values.get("legal_form", "tidak_berbadan_hukum"),
                             "region": values.get("kabupaten", ""),
                             "decree_number": values.get("decree_number", "").strip() or None,
                             "whatsapp": values.get("whatsapp", "").strip() or None}}
    try:
        await apis.registry.post("/portal/signup", None, json=body, headers={"X-Forwarded-For": client_address(request)})
    except ApiProblem as e:
        if e.status == 429:
            return render(request, "error.html", status_code=429, kind="too-many",
                          title="Terlalu banyak pendaftaran dari alamat ini. Silakan coba lagi satu jam lagi.")
        if e.kind != "invalid":
            raise
        return _signup_page(request, 422, values, "Periksa isian: nama organisasi (paling sedikit 3 huruf), nama "
                                                  "Anda, surel yang benar, jenis, dan kabupaten/kota kantor Kesbangpol.")
    return render(request, "signup_sent.html", email=body["email"])


async def _application(apis: Apis, user) -> dict:
    t = user.access_token
    ormas = await apis.registry.get("/portal/ormas", t)
    documents, history = await asyncio.gather(apis.registry.get(f"/ormas/{ormas['id']}/documents", t),
                                              apis.registry.get(f"/ormas/{ormas['id']}/history", t))
    notes = [h for h in history.get("entries", []) if h.get("action") == "request_revision" and h.get("reason")]
    return {"ormas": ormas, "documents": documents, "notes": notes, "editable": ormas["status"] in EDITABLE}


@router.get("/portal/permohonan")
async def application(request: Request, user: CurrentUser, apis: Apis) -> Response:
    if user.role != "ormas":
        return not_allowed(request)
    return render(request, "portal_application.html", **await _application(apis, user), labels=labels,
                  done=request.query_params.get("selesai"), error=None)


async def _again(request, user, apis, status: int, error: str) -> Response:
    return render(request, "portal_application.html", status_code=status, **await _application(apis, user),
                  labels=labels, done=None, error=error)


@router.post("/portal/permohonan")
async def save_details(request: Request, user: Writer, apis: Apis) -> Response:
    if user.role != "ormas":
        return not_allowed(request)
    values = forms.strings(await request.form())
    ormas = await apis.registry.get("/portal/ormas", user.access_token)
    body = {k: values.get(k, "").strip() or None for k in DETAILS if k in values}
    body["bidang"] = [b.strip() for b in values.get("bidang", "").split(",") if b.strip()]
    if values.get("street", "").strip():
        body["address"] = {"street": values["street"].strip()}
    try:
        await apis.registry.call("PATCH", f"/ormas/{ormas['id']}", user.access_token, json=body)
    except ApiProblem as e:
        if e.kind not in ("invalid", "conflict", "duplicate"):
            raise
        return await _again(request, user, apis, 422, "Periksa isian data organisasi (tanggal berdiri, surel, nomor telepon).")
    return see_other("/portal/permohonan?selesai=data")


@router.post("/portal/dokumen")
async def upload(request: Request, user: Writer, apis: Apis) -> Response:
    if user.role != "ormas":
        return not_allowed(request)
    form = await request.form()
    f = form.get("file")
    if not hasattr(f, "read") or not getattr(f, "filename", ""):
        return await _again(request, user, apis, 422, "Pilih berkas dokumen yang akan diunggah.")
    ormas = await apis.registry.get("/portal/ormas", user.access_token)
    try:
        await upload_document(apis, user, ormas["id"], str(form.get("type") or ""), None, f.filename, await f.read(),
                              f.content_type or "application/octet-stream")
    except ApiProblem as e:
        if e.kind not in ("invalid", "conflict", "too-large"):
            raise
        return await _again(request, user, apis, 422, "Dokumen harus PDF, JPEG, atau PNG, paling besar 10 MB.")
    return see_other("/portal/permohonan?selesai=dokumen")


@router.post("/portal/ajukan")
async def submit(request: Request, user: Writer, apis: Apis) -> Response:
    if user.role != "ormas":
        return not_allowed(request)
    ormas = await apis.registry.get("/portal/ormas", user.access_token)
    try:
        await apis.registry.post(f"/ormas/{ormas['id']}/transitions", user.access_token, json={"action": "submit"})
    except ApiProblem as e:
        if e.kind not in ("invalid", "conflict", "transition-not-allowed"):
            raise
        return await _again(request, user, apis, 409,
                            "Permohonan belum dapat diajukan: lengkapi dokumen wajib pada daftar periksa.")
    return see_other("/portal/permohonan?selesai=diajukan")


@router.get("/portal/surat-keterangan.pdf")
async def letter(request: Request, user: CurrentUser, apis: Apis) -> Response:
    if user.role != "ormas":
        return not_allowed(request)
    r = await apis.notifications.call("GET", "/portal/registration-letter", user.access_token)
    return Response(r.content, media_type="application/pdf",
                    headers={"Content-Disposition": r.headers.get("content-disposition") or "inline"})
