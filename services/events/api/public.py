"""The invitee's side, reached without a login by the signed link of the invitation: the RSVP page
(HTML that works on a phone, in Bahasa Indonesia) and its JSON API; and the operator's check-in page.

A link names its kegiatan and participant and expires; a tampered or expired link, or one from
another kegiatan, is refused with a 4xx (problem+json for the API, a page saying why for HTML)."""

from __future__ import annotations

import datetime as dt
import html
from typing import Annotated, Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from services.events import changes
from services.events.application import participants
from services.events.deps import Config, Rsvp, RsvpPorts
from services.events.domain import kegiatan as domain
from services.events.domain import participation
from services.events.domain.participation import InvalidToken
from shared import errors, tanggal
from shared.text import Input
from shared.web import DomainProblem, NotFound

router = APIRouter(tags=["rsvp (public)"])
TYPE_NAMES = {"fasilitasi": "Fasilitasi Pemberdayaan Ormas", "dialog": "Dialog", "pelatihan": "Pelatihan",
              "apel": "Apel", "silaturahmi": "Silaturahmi", "sosialisasi": "Sosialisasi",
              "rapat_koordinasi": "Rapat Koordinasi"}


Gone = errors.Gone


class RsvpIn(Input):
    multiline = frozenset({"reason"})
    attending: bool
    delegates: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=50, description="names, up to the seats per ormas")
    reason: str | None = Field(default=None, max_length=1000, description="why not, when declining")


class RsvpView(BaseModel):
    participant: str
    participant_id: str
    kegiatan_id: str
    kegiatan: str
    type: str
    theme: str | None
    organiser: str
    when: str = Field(description="in Bahasa Indonesia, the venue's zone")
    time: str
    venue: str
    seats: int
    status: str
    attending: bool | None
    delegates: list[str]
    reason: str | None
    cutoff: dt.datetime
    cutoff_text: str
    open: bool = Field(description="answers may still change")
    checkin_qr_svg: str | None = Field(description="the participant's check-in QR code, once attending")


async def _load(state: RsvpPorts, kegiatan_id: str, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    now = dt.datetime.now(dt.UTC)
    try:
        pid = participation.verify(state.secret, token, purpose="rsvp", kegiatan_id=kegiatan_id, now=now)
    except InvalidToken as e:
        if "expired" in str(e):
            raise Gone("Tautan ini sudah kedaluwarsa (the link has expired).") from None
        raise NotFound("Tautan ini tidak berlaku (the link is not valid).") from None
    k = await state.kegiatan.get(kegiatan_id)
    p = await state.participants.get(pid)
    if k is None or p is None:
        raise NotFound("Tautan ini tidak berlaku (the link is not valid).")
    return k, p


def _view(state: RsvpPorts, k: dict[str, Any], p: dict[str, Any]) -> RsvpView:
    zone = k["venue"]["zone"]
    cutoff = domain.rsvp_cutoff(k)
    now = dt.datetime.now(dt.UTC)
    qr = None
    if p.get("attending"):
        _, checkin = changes.tokens(state.secret, k, p["_id"])
        qr = segno.make(checkin, error="m").svg_inline(scale=4)
    venue = ", ".join(x for x in (k["venue"]["name"], k["venue"].get("address"), changes.region_name(k["venue"]["region"])) if x)
    return RsvpView(
        participant=p["name"], participant_id=p["_id"], kegiatan_id=k["_id"], kegiatan=k["title"], type=TYPE_NAMES[k["type"]], theme=k.get("theme"),
        organiser=k["organiser"]["name"], when=tanggal.rentang(k["starts_at"], k["ends_at"], zone),
        time=f"{tanggal.jam(k['starts_at'], zone)} s.d. selesai", venue=venue, seats=p.get("seats", 1),
        status=participation.effective_status(p, k["status"]), attending=p.get("attending"),
        delegates=p.get("delegates") or [], reason=p.get("decline_reason"), cutoff=cutoff,
        cutoff_text=f"{tanggal.hari_tanggal(cutoff, zone)} pukul {tanggal.jam(cutoff, zone)}",
        open=now <= cutoff and k["status"] in ("published", "rescheduled") and p["status"] not in ("checked_in",),
        checkin_qr_svg=qr)


async def _answer(state: RsvpPorts, k: dict[str, Any], p: dict[str, Any], answer: participation.Response) -> dict[str, Any]:
    return await participants.answer(state.kegiatan, state.participants, state.relay, k, p, answer, by="rsvp")


@router.get("/api/rsvp/{kegiatan_id}/{token}", response_model=RsvpView)
async def rsvp_view(kegiatan_id: str, token: str, ports: Rsvp) -> RsvpView:
    k, p = await _load(ports, kegiatan_id, token)
    return _view(ports, k, p)


@router.post("/api/rsvp/{kegiatan_id}/{token}", response_model=RsvpView)
async def rsvp_answer(kegiatan_id: str, token: str, body: RsvpIn, ports: Rsvp) -> RsvpView:
    """Attending (with the delegates' names, up to the seats) or declined (with a reason); a later
    answer replaces an earlier one until the cut-off."""
    k, p = await _load(ports, kegiatan_id, token)
    new = await _answer(ports, k, p, participation.Response(attending=body.attending, delegates=body.delegates,
                                                              reason=body.reason))
    return _view(ports, k, new)


# --- HTML -------------------------------------------------------------------------------------

STYLE = """body{font-family:system-ui,sans-serif;margin:0;padding:1rem;max-width:38rem;margin:auto;line-height:1.45}
h1{font-size:1.3rem}dt{font-weight:600;margin-top:.5rem}dd{margin:0}.box{border:1px solid #ccc;border-radius:8px;padding:1rem;margin:1rem 0}
input,textarea,button{font-size:1rem;width:100%;box-sizing:border-box;padding:.6rem;margin:.25rem 0}
button{background:#8b0000;color:#fff;border:0;border-radius:6px}.ok{background:#e8f5e9;padding:.6rem}.err{background:#fdecea;padding:.6rem}
label.r{display:flex;gap:.5rem;align-items:center}label.r input{width:auto}"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title>
<style>{STYLE}</style></head><body>{body}</body></html>""", status_code=status)


def _rsvp_html(v: RsvpView, action: str, message: str = "", error: str = "") -> str:
    e = html.escape
    rows = "".join(f"<dt>{e(a)}</dt><dd>{e(b)}</dd>" for a, b in (
        ("Kegiatan", v.kegiatan), ("Jenis", v.type), ("Tema", v.theme or "-"), ("Hari/Tanggal", v.when),
        ("Waktu", v.time), ("Tempat", v.venue), ("Penyelenggara", v.organiser)))
    answer = "Dalam daftar tunggu: kursi sudah penuh; Anda akan mendapat tempat bila ada yang batal" \
        if v.status == "waitlisted" else "Belum menjawab" if v.attending is None else (
        f"Hadir: {', '.join(v.delegates)}" if v.attending else f"Tidak hadir ({v.reason})")
    form = ""
    if v.open:
        fields = "".join(f'<input name="delegate" placeholder="Nama utusan {i + 1}" value="{e(v.delegates[i]) if i < len(v.delegates) else ""}">'
                         for i in range(v.seats))
        form = f"""<form method="post" action="{e(action)}" class="box">
<label class="r"><input type="radio" name="attending" value="yes" {"checked" if v.attending is not False else ""}> Hadir</label>
<label class="r"><input type="radio" name="attending" value="no" {"checked" if v.attending is False else ""}> Tidak hadir</label>
<p>Utusan (paling banyak {v.seats} orang):</p>{fields}
<p>Alasan bila tidak hadir:</p><textarea name="reason" rows="2">{e(v.reason or "")}</textarea>
<button type="submit">Kirim konfirmasi</button>
<p><small>Konfirmasi dapat diubah sampai {e(v.cutoff_text)}.</small></p></form>"""
    else:
        form = f'<p class="box">Konfirmasi sudah ditutup ({e(v.cutoff_text)}).</p>'
    qr = f'<div class="box"><p>Tunjukkan kode QR ini kepada petugas saat registrasi:</p>{v.checkin_qr_svg}</div>' if v.checkin_qr_svg else ""
    note = (f'<p class="ok">{e(message)}</p>' if message else "") + (f'<p class="err">{e(error)}</p>' if error else "")
    return f"""<h1>Konfirmasi Kehadiran</h1><p>Yth. <strong>{e(v.participant)}</strong></p>{note}
<dl class="box">{rows}</dl><p>Status: <strong>{e(answer)}</strong></p>{form}{qr}"""


@router.get("/r/{code}", include_in_schema=False)
async def short_link(code: str, ports: Rsvp):
    """A letter's short RSVP link, resolved to the participant's signed link."""
    p = await ports.participants.by_link(code) if changes.SHORT.match(code) else None
    k = await ports.kegiatan.get(p["kegiatan_id"]) if p else None
    if p is None or k is None:
        return _page("Tautan tidak berlaku", '<h1>Tautan tidak berlaku</h1><p class="err">Periksa kembali tautan pada '
                     "surat undangan, atau hubungi kantor Kesbangpol yang mengundang.</p>", 404)
    rsvp, _ = changes.tokens(ports.secret, k, p["_id"])
    return RedirectResponse(f"/rsvp/{k['_id']}/{rsvp}", status_code=303)


@router.get("/rsvp/{kegiatan_id}/{token}", response_class=HTMLResponse, include_in_schema=False)
async def rsvp_page(kegiatan_id: str, token: str, request: Request, ports: Rsvp) -> HTMLResponse:
    try:
        k, p = await _load(ports, kegiatan_id, token)
    except (NotFound, Gone) as ex:
        return _page("Tautan tidak berlaku", f"<h1>Tautan tidak berlaku</h1><p>{html.escape(ex.detail)}</p>", ex.status)
    return _page("Konfirmasi Kehadiran", _rsvp_html(_view(ports, k, p), str(request.url.path)))


@router.post("/rsvp/{kegiatan_id}/{token}", response_class=HTMLResponse, include_in_schema=False)
async def rsvp_form(kegiatan_id: str, token: str, request: Request, ports: Rsvp, attending: str = Form("yes"),
                    delegate: list[str] = Form(default_factory=list), reason: str = Form("")) -> HTMLResponse:
    try:
        k, p = await _load(ports, kegiatan_id, token)
    except (NotFound, Gone) as ex:
        return _page("Tautan tidak berlaku", f"<h1>Tautan tidak berlaku</h1><p>{html.escape(ex.detail)}</p>", ex.status)
    try:
        p = await _answer(ports, k, p, participation.Response(attending=attending == "yes", delegates=delegate[:50],
                                                                reason=reason[:1000] or None))
    except DomainProblem as ex:
        why = {"delegates": "Isi nama utusan (paling banyak sesuai jumlah kursi).",
               "reason": "Isi alasan tidak hadir.", "rsvp": "Batas waktu konfirmasi sudah lewat."}
        field = (ex.extra.get("errors") or [{}])[0].get("field")
        return _page("Konfirmasi Kehadiran", _rsvp_html(_view(ports, k, p), str(request.url.path),
                                                         error=why.get(field, ex.detail)), ex.status)
    return _page("Konfirmasi Kehadiran", _rsvp_html(_view(ports, k, p), str(request.url.path),
                                                    message="Terima kasih, konfirmasi Anda sudah kami terima."))


@router.get("/kegiatan/{kegiatan_id}/check-in", include_in_schema=False)
async def checkin_page(kegiatan_id: str, config: Config) -> RedirectResponse:
    """The check-in page moved into the web application, under the operator's session."""
    return RedirectResponse(f"{config.web_url.rstrip('/')}/kegiatan/{quote(kegiatan_id, safe='')}/hadir", status_code=301)
