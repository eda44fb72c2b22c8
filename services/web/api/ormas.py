"""The ormas book's pages: search, one ormas, record, edit, lifecycle actions, documents."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from services.web.adapters.apis import ApiProblem
from services.web.api.pages import not_allowed, render, see_other
from services.web.application import ormas as use
from services.web.deps import Apis, CurrentUser, Writer
from services.web.domain import forms, problems

router = APIRouter()


@router.get("/ormas")
async def search(request: Request, user: CurrentUser, apis: Apis) -> Response:
    filters = forms.search_filters(request.query_params)
    page = await use.search(apis, user, filters)
    name = "ormas_results.html" if request.headers.get("hx-request") else "ormas_list.html"
    return render(request, name, filters=filters, page=page, query=forms.query_without_cursor(filters))


@router.get("/ormas/unduh")
async def export(request: Request, user: CurrentUser, apis: Apis) -> Response:
    """The book as the registry exports it (the import's own columns; contacts as the role sees them)."""
    filters = forms.search_filters(request.query_params)
    fmt = "csv" if request.query_params.get("format") == "csv" else "xlsx"
    r = await use.export(apis, user, filters, fmt)
    return Response(r.content, media_type=r.headers.get("content-type"),
                    headers={"Content-Disposition": r.headers.get("content-disposition", "attachment")})


@router.get("/ormas/baru")
async def new_page(request: Request, user: CurrentUser) -> Response:
    if not user.writes:
        return not_allowed(request)
    return render(request, "ormas_form.html", values={"region": user.region, "kind": "ormas",
                                                      "legal_form": "tidak_berbadan_hukum", "scope": "kabupaten_kota"},
                  errors={}, similar=[], key=uuid.uuid4().hex, editing=None)


@router.post("/ormas/baru")
async def create(request: Request, user: Writer, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    fields = forms.ormas_fields(values)
    key = values.get("key") or uuid.uuid4().hex
    if not values.get("confirm_similar") and fields.get("name"):
        similar = await use.search(apis, user, {"q": fields["name"], "region": fields.get("region")})
        if similar["items"]:  # near names first: the operator decides before anything is recorded
            return render(request, "ormas_form.html", values=values, errors={}, similar=similar["items"][:5], key=key,
                          editing=None)
    try:
        made = await use.create(apis, user, fields, key)
    except ApiProblem as e:
        if e.kind not in ("invalid", "duplicate"):
            raise
        return render(request, "ormas_form.html", status_code=e.status, values=values, similar=[], key=key,
                      errors=forms.form_errors(problems.field_errors(e.errors)), problem=problems.title(e.kind), editing=None)
    return see_other(f"/ormas/{made['id']}?dicatat=1")


@router.get("/ormas/{ormas_id}")
async def detail(request: Request, ormas_id: str, user: CurrentUser, apis: Apis) -> Response:
    return render(request, "ormas_detail.html", **await use.detail(apis, user, ormas_id),
                  recorded=request.query_params.get("dicatat"), done=request.query_params.get("selesai"))


@router.get("/ormas/{ormas_id}/surat-keterangan.pdf")
async def registration_letter(request: Request, ormas_id: str, user: CurrentUser, apis: Apis) -> Response:
    """The Surat Keterangan Terdaftar, signed by the office (its operators and admins issue it)."""
    if not user.writes:
        return not_allowed(request)
    try:
        pdf = await use.registration_letter(apis, user, ormas_id)
    except ApiProblem as e:
        if e.kind != "invalid":
            raise
        return render(request, "error.html", status_code=422,
                      title="Surat keterangan terdaftar belum dapat dibuat: ia memerlukan nomor dan masa berlaku SKT, "
                            "serta nama dan jabatan kepala di Pengaturan kantor.")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="surat-keterangan.pdf"'})


@router.get("/ormas/{ormas_id}/ubah")
async def edit_page(request: Request, ormas_id: str, user: CurrentUser, apis: Apis) -> Response:
    if not user.writes:
        return not_allowed(request)
    ormas = (await use.detail(apis, user, ormas_id))["ormas"]
    return render(request, "ormas_form.html", values=forms.ormas_values(ormas), errors={}, similar=[], key="",
                  editing=ormas)


@router.post("/ormas/{ormas_id}/ubah")
async def edit(request: Request, ormas_id: str, user: Writer, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    try:
        await use.update(apis, user, ormas_id, int(values.get("version") or 0),
                         forms.ormas_fields(values, patch=True))
    except ApiProblem as e:
        if e.kind not in ("invalid", "duplicate", "stale-version"):
            raise
        ormas = (await use.detail(apis, user, ormas_id))["ormas"]
        return render(request, "ormas_form.html", status_code=e.status, values=values, similar=[], key="",
                      errors=forms.form_errors(problems.field_errors(e.errors)), problem=problems.title(e.kind), editing=ormas)
    return see_other(f"/ormas/{ormas_id}?selesai=updated")


@router.get("/ormas/{ormas_id}/tindakan/{action}")
async def action_page(request: Request, ormas_id: str, action: str, user: CurrentUser, apis: Apis) -> Response:
    ormas = (await use.detail(apis, user, ormas_id))["ormas"]
    if action not in ormas.get("your_actions", []):
        return not_allowed(request)
    return render(request, "ormas_action.html", ormas=ormas, action=action, values={}, errors={})


@router.post("/ormas/{ormas_id}/tindakan/{action}")
async def act(request: Request, ormas_id: str, action: str, user: Writer, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    try:
        await use.transition(apis, user, ormas_id, int(values.get("version") or 0), forms.step(action, values))
    except ApiProblem as e:
        if e.kind not in ("invalid", "stale-version", "transition-not-allowed"):
            raise
        ormas = (await use.detail(apis, user, ormas_id))["ormas"]
        return render(request, "ormas_action.html", status_code=e.status, ormas=ormas, action=action, values=values,
                      errors=problems.field_errors(e.errors), problem=problems.title(e.kind))
    return see_other(f"/ormas/{ormas_id}?selesai={action}")


@router.post("/ormas/{ormas_id}/dokumen")
async def upload(request: Request, ormas_id: str, user: Writer, apis: Apis) -> Response:
    form = await request.form()
    file = form.get("file")
    kind = str(form.get("type") or "")
    if not isinstance(file, UploadFile) or not file.filename:
        errors = {"file": "Pilih berkas yang akan diunggah."}
    else:
        try:
            await use.upload_document(apis, user, ormas_id, kind, str(form.get("number") or "") or None,
                                      file.filename, await file.read(), file.content_type or "application/octet-stream")
            return see_other(f"/ormas/{ormas_id}?selesai=document#dokumen")
        except ApiProblem as e:
            if e.kind not in ("invalid", "too-large"):
                raise
            errors = problems.field_errors(e.errors) or {"file": problems.title(e.kind)}
    data = await use.detail(apis, user, ormas_id)
    return render(request, "ormas_detail.html", status_code=422, **data, upload_errors=errors)


