"""Early warning's pages: ``/lapor`` for anyone (anonymous by default, limited per client address,
with a honeypot field), and for the office the board and list (``/peringatan-dini``), a report's
page with its timeline and steps, the staff's intake and the team."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from lokal import wilayah

from services.web.adapters.apis import ApiProblem
from services.web.api.pages import client_address, not_allowed, render, see_other
from services.web.application import earlywarning as use
from services.web.deps import Apis, CurrentUser, Sessions, Writer
from services.web.domain import earlywarning as words
from services.web.domain import forms
from shared import regions

router = APIRouter()
HONEYPOT = "situs"  # hidden from people; a bot that fills every field fills it
LEVELS = {"kabupaten": 2, "kecamatan": 3, "desa": 4}
PARENT = {"kabupaten": "provinsi", "kecamatan": "kabupaten", "desa": "kecamatan"}
LABELS = {"kabupaten": "kabupaten/kota", "kecamatan": "kecamatan", "desa": "desa/kelurahan"}


async def _photos(form) -> list[tuple[str, bytes]]:
    out = []
    for f in form.getlist("photos"):
        if hasattr(f, "read") and getattr(f, "filename", ""):
            data = await f.read()
            if data:
                out.append((f.filename, data))
    return out


def _form(request: Request, name: str, *, status: int = 200, values=None, errors=None, **ctx) -> HTMLResponse:
    return render(request, name, status_code=status, values=values or {}, errors=errors or {}, words=words,
                  provinces=regions.provinces(), **ctx)


@router.get("/lapor")
async def public_form(request: Request) -> Response:
    return _form(request, "lapor.html")


@router.post("/lapor")
async def public_send(request: Request, apis: Apis, sessions: Sessions) -> Response:
    form = await request.form()
    values = forms.strings(form)
    if values.get(HONEYPOT):  # a bot: it is thanked, and nothing is sent
        return render(request, "lapor_diterima.html", report_id=None)
    client = client_address(request)
    if not await use.may_report(sessions.redis, client):
        return render(request, "error.html", status_code=429, kind="too-many",
                      title=f"Terlalu banyak laporan dari alamat ini: paling banyak {use.PUBLIC_REPORTS} laporan "
                            "dalam 10 menit. Untuk keadaan darurat hubungi 110 (Polisi) atau 112.")
    try:
        body = words.report_body(values, await _photos(form), public=True, now=dt.datetime.now(dt.UTC))
        sent = await use.send_public(apis, body, client)
    except words.FormError as e:
        return _form(request, "lapor.html", status=422, values=values, errors=e.errors)
    except ApiProblem as e:
        if e.kind == "invalid":
            return _form(request, "lapor.html", status=422, values=values, errors=words.form_errors(e.errors))
        if e.status == 429:
            return render(request, "error.html", status_code=429, kind="too-many",
                          title="Terlalu banyak laporan dari alamat ini. Silakan coba lagi sebentar lagi.")
        raise
    return render(request, "lapor_diterima.html", report_id=sent["id"])


@router.get("/wilayah/pilihan")
async def places(request: Request) -> Response:
    """The places below the one chosen, as the <option>s of the report form's next select
    (``tingkat``: kabupaten, kecamatan or desa); the selects below that one are emptied."""
    level = request.query_params.get("tingkat") or ""
    if level not in LEVELS:
        return render(request, "error.html", status_code=404, kind="not-found", title="Halaman tidak ditemukan.")
    parent = (request.query_params.get(PARENT[level]) or "").strip()
    ok = bool(parent) and len(parent.split(".")) == LEVELS[level] - 1 and wilayah.get_wilayah(parent) is not None
    children = wilayah.list_wilayah(parent) if ok else []
    deeper = [name for name, n in LEVELS.items() if n > LEVELS[level]]
    return render(request, "_places.html", children=children, label=LABELS[level], deeper=deeper)


@router.get("/peringatan-dini")
async def board(request: Request, user: CurrentUser, apis: Apis) -> Response:
    filters = {k: request.query_params[k] for k in ("status", "severity", "category") if request.query_params.get(k)}
    data = await use.overview(apis, user, filters)
    return render(request, "ew_board.html", **data, filters=filters, words=words, sent=request.query_params.get("terkirim"))


@router.get("/peringatan-dini/baru")
async def staff_form(request: Request, user: CurrentUser) -> Response:
    if user.role not in ("operator", "verifier", "head", "admin"):
        return not_allowed(request)
    return _form(request, "ew_new.html", values={"source_kind": "anggota_tim"})


@router.post("/peringatan-dini/baru")
async def staff_send(request: Request, user: Writer, apis: Apis) -> Response:
    form = await request.form()
    values = {**forms.strings(form), "ormas_ids": ",".join(v for v in form.getlist("ormas_id") if isinstance(v, str))}
    try:
        body = words.report_body(values, await _photos(form), public=False, now=dt.datetime.now(dt.UTC))
        sent = await use.send(apis, user, body)
    except words.FormError as e:
        return _form(request, "ew_new.html", status=422, values=values, errors=e.errors)
    except ApiProblem as e:
        if e.kind in ("invalid", "not-found", "out-of-scope"):
            errors = words.form_errors(e.errors) if e.kind == "invalid" else {
                "kabupaten": "Tempat ini di luar wilayah kantor Anda."}
            return _form(request, "ew_new.html", status=422 if e.kind == "invalid" else 404, values=values, errors=errors)
        raise
    return see_other(f"/peringatan-dini/{sent['id']}?langkah=diterima")


@router.get("/peringatan-dini/ormas")
async def ormas_found(request: Request, user: CurrentUser, apis: Apis) -> Response:
    q = (request.query_params.get("q") or "").strip()
    found = await use.find_ormas(apis, user, q) if len(q) >= 2 else []
    return render(request, "_ew_ormas.html", found=found, q=q)


@router.get("/peringatan-dini/tim")
async def team(request: Request, user: CurrentUser, apis: Apis) -> Response:
    return render(request, "ew_team.html", team=await use.team(apis, user), values={}, errors={},
                  added=request.query_params.get("ditambah"))


@router.post("/peringatan-dini/tim")
async def add_member(request: Request, user: Writer, apis: Apis) -> Response:
    if user.role not in ("head", "admin"):
        return not_allowed(request)
    values = forms.strings(await request.form())
    try:
        await use.add_member(apis, user, values)
    except ApiProblem as e:
        if e.kind != "invalid":
            raise
        errors = {str(x.get("field") or "name"): "Periksa isian ini." for x in e.errors}
        if "email" in errors and not any(values.get(k) for k in ("email", "whatsapp", "phone")):
            errors["email"] = "Isi paling sedikit satu: surel, WhatsApp, atau telepon."
        return render(request, "ew_team.html", status_code=422, team=await use.team(apis, user), values=values,
                      errors=errors, added=None)
    return see_other("/peringatan-dini/tim?ditambah=1")


@router.post("/peringatan-dini/tim/{member_id}/nonaktif")
async def deactivate(request: Request, member_id: str, user: Writer, apis: Apis) -> Response:
    if user.role not in ("head", "admin"):
        return not_allowed(request)
    await use.deactivate(apis, user, member_id)
    return see_other("/peringatan-dini/tim")


@router.get("/peringatan-dini/{report_id}")
async def detail(request: Request, report_id: str, user: CurrentUser, apis: Apis) -> Response:
    data = await use.report(apis, user, report_id)
    return render(request, "ew_detail.html", **data, words=words, done=request.query_params.get("langkah"), error=None)


@router.post("/peringatan-dini/{report_id}/{name}")
async def do_step(request: Request, report_id: str, name: str, user: Writer, apis: Apis) -> Response:
    if name not in (*use.STEP_PATHS, "tugaskan"):
        return render(request, "error.html", status_code=404, kind="not-found", title="Halaman tidak ditemukan.")
    values = forms.strings(await request.form())
    try:
        await use.step(apis, user, report_id, values.get("version", ""), name, values)
    except ApiProblem as e:
        if e.status not in (403, 409, 412, 422):
            raise
        data = await use.report(apis, user, report_id)
        message = {403: "Peran Anda tidak dapat melakukan langkah ini.",
                   409: "Langkah ini tidak dapat dilakukan pada status laporan sekarang.",
                   412: "Laporan ini baru saja diubah orang lain. Periksa lagi, lalu ulangi.",
                   422: "Lengkapi catatannya: alasan wajib ditulis untuk langkah ini."}[e.status]
        return render(request, "ew_detail.html", status_code=e.status, **data, words=words, done=None, error=message)
    return see_other(f"/peringatan-dini/{report_id}?langkah={name}")


@router.get("/peringatan-dini/{report_id}/foto/{photo_id}")
async def photo(report_id: str, photo_id: str, user: CurrentUser, apis: Apis) -> Response:
    r = await use.photo(apis, user, report_id, photo_id)
    return Response(r.content, media_type=r.headers.get("content-type"), headers={"Cache-Control": "private, max-age=3600"})
