"""The check-in desk of a kegiatan (``/kegiatan/{id}/hadir``), for a phone held at the door."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.adapters.apis import ApiProblem
from services.web.api.pages import render
from services.web.application import checkin as use
from services.web.deps import Apis, CurrentUser, Writer
from services.web.domain import forms, problems

router = APIRouter()


@router.get("/kegiatan/{kegiatan_id}/hadir")
async def desk(request: Request, kegiatan_id: str, user: CurrentUser, apis: Apis) -> Response:
    q = request.query_params.get("q") or ""
    data = await use.desk(apis, user, kegiatan_id, q)
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "found":
        return render(request, "checkin_found.html", kegiatan=data["kegiatan"], found=data["found"], q=q)
    return render(request, "checkin.html", q=q, **data)


@router.post("/kegiatan/{kegiatan_id}/hadir")
async def check_in(request: Request, kegiatan_id: str, user: Writer, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    token, pid = values.get("token", "").strip(), values.get("participant_id", "").strip()
    message, ok = "", False
    if not token and not pid:
        message = "Pindai atau ketik kode QR peserta, atau cari namanya."
    else:
        try:
            done = await use.check_in(apis, user, kegiatan_id, token=token or None, participant_id=pid or None)
            message, ok = done["message"], True
        except ApiProblem as e:
            if e.kind not in ("invalid", "not-found", "conflict", "transition-not-allowed"):
                raise
            message = {"invalid": "Kode QR tidak dikenal untuk kegiatan ini.",
                       "not-found": "Peserta tidak ditemukan."}.get(e.kind, "Kegiatan ini belum dimulai atau sudah selesai.")
    data = await use.desk(apis, user, kegiatan_id, None)
    # htmx swaps only a 2xx answer: the refusal is in the message it shows
    status = 200 if ok or request.headers.get("hx-request") else 422
    return render(request, "checkin.html", status_code=status, q="", message=message, ok=ok, **data)


@router.get("/kegiatan/{kegiatan_id}/hadir/hitungan")
async def live_count(request: Request, kegiatan_id: str, user: CurrentUser, apis: Apis) -> Response:
    """The desk's count, refreshed every few seconds (htmx): other doors check in too."""
    return render(request, "checkin_count.html", **await use.count(apis, user, kegiatan_id))


@router.post("/kegiatan/{kegiatan_id}/hadir/tanpa-undangan")
async def walk_in(request: Request, kegiatan_id: str, user: Writer, apis: Apis) -> Response:
    """Someone who came without an invitation, recorded present at the door."""
    values = forms.strings(await request.form())
    name, n = values.get("name", "").strip(), values.get("people", "1").strip()
    message, ok = "", False
    if not name:
        message = "Tulis nama yang datang."
    else:
        try:
            await use.walk_in(apis, user, kegiatan_id, name, values.get("institution", "").strip() or None,
                              int(n) if n.isdigit() and 1 <= int(n) <= 50 else 1)
            message, ok = f"Selamat datang, {name} (tanpa undangan).", True
        except ApiProblem as e:
            if e.kind not in ("invalid", "conflict", "transition-not-allowed"):
                raise
            message = "Kegiatan ini belum dimulai atau sudah selesai." if e.kind != "invalid" else problems.title(e.kind)
    data = await use.desk(apis, user, kegiatan_id, None)
    status = 200 if ok or request.headers.get("hx-request") else 422
    return render(request, "checkin.html", status_code=status, q="", message=message, ok=ok, **data)
