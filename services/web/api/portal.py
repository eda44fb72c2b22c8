"""``/portal``: an ormas officer's own pages — the ormas's record as the office keeps it, its
invitations answered in one place, a report of potential conflict — and the activation link the
office sent. The office invites an officer from the ormas's page (``/ormas/{id}/akun-portal``)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.adapters.apis import ApiProblem
from services.web.api.earlywarning import _photos
from services.web.api.pages import not_allowed, render, see_other
from services.web.application import portal as use
from services.web.deps import Apis, CurrentUser, Writer
from services.web.domain import earlywarning as words
from services.web.domain import forms
from shared import regions

router = APIRouter()


def _officer(request: Request, user) -> Response | None:
    return None if user.role == "ormas" else not_allowed(request)


@router.get("/portal")
async def portal(request: Request, user: CurrentUser, apis: Apis) -> Response:
    if (refused := _officer(request, user)) is not None:
        return refused
    return render(request, "portal.html", **await use.overview(apis, user), done=request.query_params.get("selesai"),
                  error=None)


@router.get("/portal/sertifikat/{participant_id}")
async def certificate(request: Request, participant_id: str, user: CurrentUser, apis: Apis) -> Response:
    """A certificate of attendance of the officer's ormas (PDF, signed by the office)."""
    if (refused := _officer(request, user)) is not None:
        return refused
    return Response(await use.certificate(apis, user, participant_id), media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="sertifikat.pdf"'})


@router.post("/portal/undangan/{participant_id}")
async def answer(request: Request, participant_id: str, user: Writer, apis: Apis) -> Response:
    if (refused := _officer(request, user)) is not None:
        return refused
    form = await request.form()
    try:
        await use.answer(apis, user, participant_id, forms.strings(form),
                         [d for d in form.getlist("delegate") if isinstance(d, str)])
    except ApiProblem as e:
        if e.status not in (409, 410, 422):
            raise
        message = {409: "Undangan ini tidak lagi menerima jawaban, atau tempat duduknya kurang.",
                   410: "Batas waktu konfirmasi sudah lewat.",
                   422: "Periksa jawabannya: nama utusan paling banyak sebanyak kursi untuk ormas Anda."}[e.status]
        return render(request, "portal.html", status_code=e.status, **await use.overview(apis, user), done=None,
                      error=message)
    return see_other("/portal?selesai=jawaban")


def _report_form(request: Request, status: int = 200, values=None, errors=None) -> Response:
    return render(request, "portal_lapor.html", status_code=status, values=values or {}, errors=errors or {},
                  words=words, provinces=regions.provinces())


@router.get("/portal/lapor")
async def report_form(request: Request, user: CurrentUser) -> Response:
    return _officer(request, user) or _report_form(request)


@router.post("/portal/lapor")
async def report(request: Request, user: Writer, apis: Apis) -> Response:
    if (refused := _officer(request, user)) is not None:
        return refused
    form = await request.form()
    values = forms.strings(form)
    try:
        body = words.report_body(values, await _photos(form), public=True, now=dt.datetime.now(dt.UTC))
        sent = await use.report(apis, user, body)
    except words.FormError as e:
        return _report_form(request, 422, values, e.errors)
    except ApiProblem as e:
        if e.kind == "invalid":
            return _report_form(request, 422, values, words.form_errors(e.errors))
        if e.kind in ("not-found", "out-of-scope"):
            return _report_form(request, 404, values, {"kabupaten": "Laporan lewat portal hanya untuk wilayah ormas Anda."})
        raise
    return render(request, "lapor_diterima.html", report_id=sent["id"])


@router.get("/portal/aktivasi/{token}")
async def activation_form(request: Request, token: str) -> Response:
    return render(request, "portal_aktivasi.html", token=token, error=None)


@router.post("/portal/aktivasi/{token}")
async def activation(request: Request, token: str, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    password, repeat = values.get("password", ""), values.get("repeat_password", "")
    error = None
    if len(password) < 12:
        error = "Kata sandi paling sedikit 12 karakter."
    elif password != repeat:
        error = "Kedua kata sandi tidak sama."
    else:
        try:
            username = await use.activate(apis, token, password)
        except ApiProblem as e:
            if e.status not in (404, 410, 422):
                raise
            error = "Tautan aktivasi ini tidak berlaku lagi (sudah dipakai, diganti, atau kedaluwarsa). Minta tautan baru ke kantor Kesbangpol."
    if error:
        return render(request, "portal_aktivasi.html", status_code=422, token=token, error=error)
    return see_other(f"/masuk?aktif=1&pengguna={quote(username)}")


@router.post("/ormas/{ormas_id}/akun-portal")
async def invite(request: Request, ormas_id: str, user: Writer, apis: Apis) -> Response:
    """The office invites an officer of the ormas to its portal, and gets the link to send."""
    values = forms.strings(await request.form())
    name = (values.get("full_name") or "").strip()
    ormas = await apis.registry.get(f"/ormas/{ormas_id}", user.access_token)
    if not name:
        return render(request, "portal_invited.html", status_code=422, ormas=ormas, invitation=None,
                      error="Tulis nama pengurus yang akan memakai portal.", whatsapp=None)
    invitation = await use.invite(apis, user, ormas_id, name)
    text = (f"Yth. {name}, pengurus {ormas['name']}. Silakan aktifkan akun portal ormas Anda di Kesbang "
            f"dengan membuka tautan berikut (berlaku 7 hari): {invitation['activation_url']}")
    return render(request, "portal_invited.html", ormas=ormas, invitation=invitation, error=None,
                  whatsapp=use.whatsapp_link(ormas.get("whatsapp") or ormas.get("phone"), text))
