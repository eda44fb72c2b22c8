"""Invitations end to end: a kegiatan published by the events service becomes messages that the
Celery workers send — the letter with its PDF to Mailpit, WhatsApp and SMS to the local
stand-ins of the providers — with retries, a provider's rate limit, a bounce falling back to the
next channel, an ormas with no contact reported, and each message sent once."""

from __future__ import annotations

import asyncio
import email
import email.policy
import io
import json
import re
import uuid

import httpx
import pytest
from pypdf import PdfReader

from tests.e2e.events_support import (
    create_kegiatan,
    create_ormas,
    events_of,
    message_sent,
    set_invitees_when_copied,
    step,
)
from tests.helpers import eventually, qr_codes, spans_of

pytestmark = pytest.mark.e2e


def _sink_messages(mailbox, marker: str) -> list[email.message.EmailMessage]:
    return mailbox.messages(marker)


def _provider_lines(providers_dir, channel: str, needle: str) -> list[dict]:
    path = providers_dir / f"{channel}.jsonl"
    if not path.exists():
        return []
    return [r for r in (json.loads(line) for line in path.read_text().splitlines() if line) if needle in json.dumps(r)]


async def test_a_published_kegiatan_reaches_every_ormas_once_on_its_channels(platform, headers, kafka):
    op = headers("operator", "35.75")
    tag = uuid.uuid4().hex[:6]
    n = int(uuid.uuid4().int % 10**4)
    ormas = {
        "both": dict(email=f"ketua.{tag}@ormas.example.org", whatsapp=f"0812{n:04d}1234"),
        "email_only": dict(email=f"sekretariat.{tag}@lsm.example.org"),
        "flaky_sms": dict(phone=f"0813{n:04d}0500"),
        "bounce": dict(email=f"ketua.{tag}@bounce.example.org", phone=f"0815{n:04d}7891"),
        "nothing": dict(),
        "busy_wa": dict(whatsapp=f"0817{n:04d}0429"),
    }
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        ids = {k: (await create_ormas(reg, op, name=f"Ormas Notif {tag} {k}", kind="ormas", region="35.75", **c))["id"]
               for k, c in ormas.items()}
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:
        k = await create_kegiatan(ev, op, title=f"Dialog Kebangsaan {tag}", seats_per_ormas=2)
        await set_invitees_when_copied(ev, op, k["id"], {"ormas_ids": list(ids.values())}, 6)
        assert (await step(ev, op, k["id"], "publish")).status_code == 200
    kid = k["id"]

    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=60) as nt:
        async def settled():
            r = await nt.get(f"/kegiatan/{kid}/deliveries", headers=op)
            if r.status_code != 200:
                return None
            d = r.json()
            return d if d["messages"] == 8 and set(d["by_status"]) <= {"sent", "failed", "unreachable"} else None

        d = await eventually(settled, timeout=90, interval=0.5, what="every message settled")
        assert d["by_status"] == {"sent": 6, "failed": 1, "unreachable": 1}, d
        assert d["by_channel"] == {"email": {"sent": 2, "failed": 1}, "whatsapp": {"sent": 2}, "sms": {"sent": 2},
                                   "none": {"unreachable": 1}}
        assert [u["name"] for u in d["unreachable"]] == [f"Ormas Notif {tag} nothing"]
        bounced = d["failed"][0]
        assert bounced["channel"] == "email" and "550" in bounced["error"]
        fallback = (await nt.get(f"/messages/{bounced['id'].rsplit(':', 1)[0]}:sms", headers=op)).json()
        assert fallback["status"] == "sent" and fallback["fallback_of"] == bounced["id"] and "*" in fallback["to"]
        flaky = (await nt.get(f"/messages/{kid}:{ids['flaky_sms']}:invitation:sms", headers=op)).json()
        assert flaky["status"] == "sent" and flaky["attempts"] == 3  # 503 twice, then accepted
        busy = (await nt.get(f"/messages/{kid}:{ids['busy_wa']}:invitation:whatsapp", headers=op)).json()
        assert busy["status"] == "sent" and any("130429" in (h["note"] or "") for h in busy["history"])

        # a delivered message cannot be "resent"; the bounced one can, and bounces again
        assert (await nt.post(f"/messages/{flaky['id']}/resend", headers=op)).status_code == 409
        again = await nt.post(f"/messages/{bounced['id']}/resend", headers=op)
        assert again.status_code == 200 and again.json()["status"] == "queued"
        assert (await nt.get(f"/messages/{bounced['id']}", headers=headers("operator", "35.73"))).status_code == 404

    # the letters: one e-mail per message, each with the PDF letter and the RSVP link
    mails = _sink_messages(platform.infra.mailbox, f"Dialog Kebangsaan {tag}")
    to = sorted(m["To"] for m in mails)
    assert to == sorted([ormas["both"]["email"], ormas["email_only"]["email"]]), to
    letter = mails[0]
    assert letter["Subject"] == f"Undangan: Dialog Kebangsaan {tag}"
    pdfs = [p for p in letter.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content().startswith(b"%PDF")
    body = letter.get_body(preferencelist=("plain",)).get_content()
    assert "Kepada" in body and "Yth. Ketua Ormas Notif" in body and " WIB" in body
    short = re.search(r"https?://\S+/r/([a-z2-7]{10})\b", body)  # the short link, not the 230-character one
    assert short and f"/rsvp/{kid}/" not in body
    text = " ".join(PdfReader(io.BytesIO(pdfs[0].get_content())).pages[0].extract_text().split())
    assert "Yth. Ketua Ormas Notif" in text and f"/r/{short[1]}" in text  # the PDF read back, not just its bytes
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=30) as ev:
        r = await ev.get(f"/r/{short[1]}")
        assert r.status_code == 303 and r.headers["location"].startswith(f"/rsvp/{kid}/")
    wa = _provider_lines(platform.infra.providers_dir, "whatsapp", f"Dialog Kebangsaan {tag}")
    assert sorted(r["to"] for r in wa) == sorted([f"62812{n:04d}1234", f"62817{n:04d}0429"])  # once each
    sms = _provider_lines(platform.infra.providers_dir, "sms", f"Dialog Kebangsaan {tag}")
    assert sorted(r["to"] for r in sms) == sorted([f"+62813{n:04d}0500", f"+62815{n:04d}7891"])

    delivered = await events_of(kafka, platform.topic("notifications.delivery"), kid, "delivery.sent", 6, timeout=60)
    assert len({e["data"]["message_id"] for e in delivered}) == 6
    await events_of(kafka, platform.topic("notifications.delivery"), kid, "delivery.unreachable", 1)


async def test_the_preview_shows_the_letter_or_what_is_missing(platform, headers):
    k = {"title": "Fasilitasi Pemberdayaan Ormas", "type": "fasilitasi", "theme": None,
         "starts_at": "2027-04-10T01:00:00Z", "ends_at": "2027-04-11T08:00:00Z",
         "venue": {"name": "Rumah Makan Gedoeng Woloe", "address": None, "region": "35.75", "region_name": "Kota Pasuruan",
                   "zone": "WIB", "timezone": "Asia/Jakarta"},
         "organiser": {"name": "Badan Kesatuan Bangsa dan Politik Kota Pasuruan", "region": "35.75", "address": None},
         "letter": {"number": "005/1/423.202/2027", "nature": "Penting", "attachment": "-", "subject": "Undangan",
                    "signatory_name": "Kepala", "signatory_title": "Kepala Bakesbangpol"}}
    h = headers("operator", "35.75")
    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=30) as nt:
        html = await nt.post("/preview", headers=h, json={"kegiatan": k})
        assert html.status_code == 200 and "Sabtu, 10 April 2027 s.d. Minggu, 11 April 2027" in html.text
        pdf = await nt.post("/preview", headers=h, json={"kegiatan": k, "format": "pdf"})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        bad = await nt.post("/preview", headers=h, json={"kegiatan": {**k, "letter": {**k["letter"], "nature": ""}}})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "letter" and "nature" in bad.json()["detail"]
        broken = await nt.post("/preview", headers=h, json={"kegiatan": {"title": "x"}})
        assert broken.status_code == 422


async def _published(platform, headers, tag: str, contacts: dict, **kegiatan) -> tuple[dict, str, str]:
    op = headers("operator", "35.75")
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        oid = (await create_ormas(reg, op, name=f"Ormas Pemberitahuan {tag}", kind="ormas", region="35.75", **contacts))["id"]
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:
        k = await create_kegiatan(ev, op, title=f"Rapat Koordinasi {tag}", type="rapat_koordinasi", **kegiatan)
        await set_invitees_when_copied(ev, op, k["id"], {"ormas_ids": [oid]}, 1)
        assert (await step(ev, op, k["id"], "publish")).status_code == 200
    return op, k["id"], oid


def _text(m) -> str:
    return f"{m['Subject']}\n{m.get_body(preferencelist=('plain',)).get_content()}"


async def _mail_with(mailbox, *needles: str):
    async def found():
        for m in _sink_messages(mailbox, needles[0]):
            if all(n in _text(m) for n in needles):
                return _text(m)
        return None

    return await eventually(found, timeout=60, interval=0.5, what=f"an e-mail with {needles}")


async def test_reschedule_and_cancellation_are_told_to_everyone_invited(platform, headers):
    import datetime as dt

    tag = uuid.uuid4().hex[:6]
    op, kid, _ = await _published(platform, headers, tag, {"email": f"ketua.{tag}@ormas.example.org"})
    await _mail_with(platform.infra.mailbox, f"Rapat Koordinasi {tag}", "Undangan")
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).replace(hour=2, minute=0, second=0, microsecond=0)
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:
        r = await step(ev, op, kid, "reschedule", starts_at=start.isoformat(),
                       ends_at=(start + dt.timedelta(hours=4)).isoformat(), reason="Bertepatan dengan kunjungan Gubernur")
        assert r.status_code == 200
        moved = await _mail_with(platform.infra.mailbox, f"Perubahan jadwal: Rapat Koordinasi {tag}")
        assert "09.00 WIB" in moved and "kunjungan Gubernur" in moved
        assert (await step(ev, op, kid, "cancel", reason="Situasi keamanan")).status_code == 200
    cancelled = await _mail_with(platform.infra.mailbox, f"Pembatalan: Rapat Koordinasi {tag}")
    assert "DIBATALKAN (Situasi keamanan)" in cancelled


async def test_reminders_go_once_to_those_attending_or_not_answering(platform, headers):
    import datetime as dt

    from celery import Celery

    tag = uuid.uuid4().hex[:6]
    start = dt.datetime.now(dt.UTC) + dt.timedelta(hours=20)  # tomorrow: the one-day reminder
    op, kid, oid = await _published(platform, headers, tag, {"email": f"ketua.{tag}@ormas.example.org"},
                                    starts_at=start.isoformat(), ends_at=(start + dt.timedelta(hours=3)).isoformat(),
                                    rsvp_cutoff=(start - dt.timedelta(hours=2)).isoformat())
    await _mail_with(platform.infra.mailbox, f"Rapat Koordinasi {tag}", "Undangan")
    app = Celery(broker=platform.redis_urls["notifications"], backend=platform.redis_urls["notifications"])
    for _ in range(2):  # beat runs it every 15 minutes; twice must not remind twice
        result = app.send_task("notifications.reminders", queue="notifications")
        await eventually(lambda: _ready(result), timeout=60, what="the reminders job")
    reminder = await _mail_with(platform.infra.mailbox, f"Pengingat: Rapat Koordinasi {tag} besok")
    assert "Konfirmasi/ubah kehadiran" in reminder
    assert len([m for m in _sink_messages(platform.infra.mailbox, f"Rapat Koordinasi {tag} besok")]) == 1


async def _ready(result):
    return result.ready() and result.successful()


async def test_whatsapp_status_webhooks_move_a_message_forward_only(platform, headers):
    import hashlib
    import hmac

    tag = uuid.uuid4().hex[:6]
    n = int(uuid.uuid4().int % 10**4)
    op, kid, oid = await _published(platform, headers, tag, {"whatsapp": f"0818{n:04d}5678"})
    mid = f"{kid}:{oid}:invitation:whatsapp"
    await message_sent(platform, op, mid, "the WhatsApp invitation sent")
    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=60) as nt:
        wamid = _provider_lines(platform.infra.providers_dir, "whatsapp", f"Rapat Koordinasi {tag}")[0]["id"]

        async def hook(status: str, secret: bytes = b"development-app-secret") -> httpx.Response:
            body = json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {
                "statuses": [{"id": wamid, "status": status, "timestamp": "1700000000"}]}}]}]}).encode()
            sig = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            return await nt.post("/webhooks/whatsapp", content=body,
                                 headers={"X-Hub-Signature-256": sig, "Content-Type": "application/json"})

        assert (await hook("delivered", secret=b"wrong")).status_code == 403
        assert (await hook("read")).json()["applied"] == 1
        assert (await hook("delivered")).json()["applied"] == 0  # late and out of order: ignored
        msg = (await nt.get(f"/messages/{mid}", headers=op)).json()
        assert msg["status"] == "read" and [h["status"] for h in msg["history"]][-2:] == ["sent", "read"]
        challenge = await nt.get("/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.challenge": "42",
                                                                "hub.verify_token": "development-verify-token"})
        assert challenge.status_code == 200 and challenge.text == "42"
        wrong = await nt.get("/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.challenge": "42",
                                                            "hub.verify_token": "development-app-secret"})
        assert wrong.status_code == 403  # the app secret signs; it is not the verify token


async def test_a_whatsapp_invitation_goes_as_its_template_and_a_late_failure_falls_back_to_sms(platform, headers):
    import hashlib
    import hmac

    tag = uuid.uuid4().hex[:6]
    n = int(uuid.uuid4().int % 10**4)
    op, kid, oid = await _published(platform, headers, tag, {"whatsapp": f"0819{n:04d}5678", "phone": f"0819{n:04d}5678"})
    mid = f"{kid}:{oid}:invitation:whatsapp"
    await message_sent(platform, op, mid, "the WhatsApp invitation sent")
    (line,) = _provider_lines(platform.infra.providers_dir, "whatsapp", f"Rapat Koordinasi {tag}")
    assert line["type"] == "template" and line["template"] == "kesbang_undangan"  # the sandbox checked its 7 parameters
    assert f"Ketua Ormas Pemberitahuan {tag}" in line["text"] and "/r/" in line["text"]
    assert not _provider_lines(platform.infra.providers_dir, "sms", f"Rapat Koordinasi {tag}")  # WhatsApp first
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {"statuses": [
        {"id": line["id"], "status": "failed", "timestamp": "1700000000",
         "errors": [{"code": 131026, "title": "Message undeliverable"}]}]}}]}]}).encode()
    sig = "sha256=" + hmac.new(b"development-app-secret", body, hashlib.sha256).hexdigest()
    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=60) as nt:
        r = await nt.post("/webhooks/whatsapp", content=body,
                          headers={"X-Hub-Signature-256": sig, "Content-Type": "application/json"})
        assert r.json()["applied"] == 1
        failed = (await nt.get(f"/messages/{mid}", headers=op)).json()
        assert failed["status"] == "failed" and "Message undeliverable" in failed["error"]
    await message_sent(platform, op, f"{kid}:{oid}:invitation:sms", "the SMS the late failure fell back to")
    assert len(_provider_lines(platform.infra.providers_dir, "sms", f"Rapat Koordinasi {tag}")) == 1
    # the workers count what they sent where Prometheus scrapes them (their pool's processes summed)
    async with httpx.AsyncClient(timeout=10) as http:
        text = (await http.get(platform.metrics_url("notifications-worker"))).text
    sent = re.search(r'^kesbang_notifications_messages_total\{outcome="sent"\} ([0-9.]+)$', text, re.M)
    assert sent and float(sent.group(1)) >= 2, text[-2000:]


async def test_an_expiring_skt_is_told_to_the_ormas(platform, headers):
    import datetime as dt

    from tests.e2e.events_support import import_book

    tag = uuid.uuid4().hex[:6]
    issued = dt.date.today().replace(year=dt.date.today().year - 5) + dt.timedelta(days=30)
    op = headers("operator", "35.75")
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        await import_book(reg, headers("admin", "35.75"), [[f"Ormas Skt {tag}", "Ormas", "Kota Pasuruan", "", f"skt.{tag}@ormas.example.org", "",
                                     "sosial", f"220/{tag}/423.202", issued]])
        found = (await reg.get("/ormas", params={"q": tag}, headers=op)).json()["items"]
        oid = found[0]["id"]
        r = await reg.post(f"/ormas/{oid}/transitions", json={"action": "mark_expiring", "days_left": 30},
                           headers=headers("admin", "35.75"))
        assert r.status_code == 200, r.text
    notice = await _mail_with(platform.infra.mailbox, f"Masa berlaku SKT Ormas Skt {tag} berakhir 30 hari lagi")
    assert "Mohon segera mengajukan perpanjangan ke Bakesbangpol Kota Pasuruan" in notice


async def test_ingatkan_reminds_the_chosen_invitees_now_and_once_a_day(platform, headers):
    tag = uuid.uuid4().hex[:6]
    op, kid, _ = await _published(platform, headers, tag, {"email": f"ketua.{tag}@ormas.example.org"})
    await _mail_with(platform.infra.mailbox, f"Rapat Koordinasi {tag}", "Undangan")
    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=60) as nt:
        got = (await nt.get(f"/kegiatan/{kid}/deliveries", headers=op)).json()
        [(pid, sent)] = got["by_participant"].items()  # each participant's channel and status, for its row
        assert [(m["channel"], m["status"]) for m in sent] == [("email", "sent")]
        r = await nt.post(f"/kegiatan/{kid}/reminders", json={"participant_ids": [pid]}, headers=headers("analyst", "35.75"))
        assert r.status_code == 403
        r = await nt.post(f"/kegiatan/{kid}/reminders", json={"participant_ids": [f"{kid}:nobody"]}, headers=op)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        r = await nt.post(f"/kegiatan/{kid}/reminders", json={"participant_ids": []}, headers=op)
        assert r.status_code == 422
        r = await nt.post(f"/kegiatan/{kid}/reminders", json={"participant_ids": [pid]}, headers=op)
        assert r.status_code == 200 and r.json() == {"queued": 1, "already_today": 0, "answered": 0, "unreachable": 0}
        reminder = await _mail_with(platform.infra.mailbox, f"Pengingat: Rapat Koordinasi {tag}", "Mohon konfirmasi")
        assert f"Yth. Ketua Ormas Pemberitahuan {tag}" in reminder
        r = await nt.post(f"/kegiatan/{kid}/reminders", json={"participant_ids": [pid]}, headers=op)
        assert r.json() == {"queued": 0, "already_today": 1, "answered": 0, "unreachable": 0}  # a second click


async def test_kota_palus_letter_carries_its_letterhead_logo_and_names_as_written(platform, headers, kafka):
    import datetime as dt

    import segno

    from shared import regions

    tag = uuid.uuid4().hex[:6]
    region = "72.71"  # Kota Palu, WITA
    admin, op = headers("admin", region), headers("operator", region)
    png = io.BytesIO()
    segno.make("Kota Palu").save(png, kind="png", scale=3)
    office = {"name": f"Badan Kesatuan Bangsa dan Politik Kota Palu {tag}", "address": "Jl. Balai Kota Selatan No. 1, Palu",
              "phone": "(0451) 421234", "email": "kesbangpol@palukota.go.id", "website": "kesbangpol.palukota.go.id",
              "letterhead": ["PEMERINTAH KOTA PALU", f"BADAN KESATUAN BANGSA DAN POLITIK {tag}"],
              "head_name": "Dr. Ahmad Syafi’i", "head_title": "Kepala Badan"}
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        assert (await reg.put(f"/offices/{region}", json=office, headers=admin)).status_code == 200
        r = await reg.put(f"/offices/{region}/logo", files={"file": ("logo.png", png.getvalue(), "image/png")}, headers=admin)
        assert r.status_code == 200, r.text
        from PIL import Image, ImageDraw

        signature = io.BytesIO()
        ink = Image.new("RGBA", (240, 80), (255, 255, 255, 0))
        ImageDraw.Draw(ink).line([(10, 60), (60, 15), (110, 55), (170, 20), (230, 50)], fill=(20, 40, 120, 255), width=4)
        ink.save(signature, format="PNG")
        r = await reg.put(f"/offices/{region}/signature", files={"file": ("ttd.png", signature.getvalue(), "image/png")},
                          headers=admin)
        assert r.status_code == 200 and r.json()["signature"]["url"] == f"/offices/{region}/signature", r.text
        oid = (await create_ormas(reg, op, name=f"Majelis Ta’lim Al-Khairaat Palu {tag}", kind="keagamaan", region=region,
                                  email=f"majelis.{tag}@ormas.example.org"))["id"]
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:
        async def organised_by_the_office():  # the events service's copy of the office has come
            k = await create_kegiatan(ev, op, title=f"Dialog Keagamaan {tag}", type="dialog", venue_region=region,
                                      region=region, letter={**LETTER_FIELDS, "number": f"005/{tag}/2026"})
            return k if k["organiser"]["name"] == office["name"] else None

        k = await eventually(organised_by_the_office, timeout=60, interval=1, what="the office's name on a new kegiatan")
        await set_invitees_when_copied(ev, op, k["id"], {"ormas_ids": [oid]}, 1)
        trace_id = uuid.uuid4().hex  # the publish request's trace, followed to the e-mail's send
        r = await ev.post(f"/kegiatan/{k['id']}/transitions", json={"action": "publish"},
                          headers={**op, "traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"})
        assert r.status_code == 200, r.text
    mail = (await eventually(lambda: _found(platform.infra.mailbox, f"Dialog Keagamaan {tag}"), timeout=60,
                             what="the letter"))
    body = mail.get_body(preferencelist=("plain",)).get_content()
    today = dt.datetime.now(regions.ZONES["WITA"]).date()
    assert "PEMERINTAH KOTA PALU" in body and f"BADAN KESATUAN BANGSA DAN POLITIK {tag}" in body
    assert f"Palu, {today.day} " in body  # dated the day it is sent, in Palu
    assert "data:image/png;base64," in mail.get_body(preferencelist=("html",)).get_content()
    pdf = next(p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf").get_content()
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    for part in ("PEMERINTAH KOTA PALU", "Jl. Balai Kota Selatan No. 1, Palu", f"Majelis Ta’lim Al-Khairaat Palu {tag}",
                 "Telp. (0451) 421234 · kesbangpol@palukota.go.id · kesbangpol.palukota.go.id"):
        assert part in text, part
    images = [x for x in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/XObject"].values() if "/Image" in str(x.get("/Subtype"))]
    assert len(images) == 2  # the logo, and the head's signature above the name of the head who signs
    # signed by Kota Palu's own key (made when the office was set up), and a changed byte shows
    from deploy.local import stack
    from tests.unit.test_notifications_signing import _status

    cert = (stack.DATA / "keys" / "offices" / f"{region}.cert.pem").read_bytes()
    status = await asyncio.to_thread(_status, pdf, cert)  # pyHanko's validator runs its own loop
    assert status.intact and status.valid and status.trusted
    tampered = bytearray(pdf)
    tampered[pdf.index(b"/MediaBox") + 12] ^= 1
    assert not (await asyncio.to_thread(_status, bytes(tampered), cert)).intact
    # its QR codes: the short RSVP link (which the check-in desk takes too) and its verification page
    # one trace from the publish request through the fan-out, the Kafka hop, the Celery hop and the send
    from tests.e2e.events_support import events_of

    (invited_event,) = await events_of(kafka, platform.topic("events.participation"), k["id"], "participation.invited", 1)
    (sent_event,) = await events_of(kafka, platform.topic("notifications.delivery"), k["id"], "delivery.sent", 1)
    assert invited_event["traceparent"].split("-")[1] == trace_id
    assert sent_event["traceparent"].split("-")[1] == trace_id
    # … and as OpenTelemetry exported it over OTLP: the request, the fan-out, the consumer of the Kafka
    # hop and the worker's send of the e-mail, each span's parent within the trace (none orphaned)
    caller = r.request.headers["traceparent"].split("-")[2]

    async def whole_trace():
        spans = spans_of(platform.infra.providers_dir, trace_id)
        names = {(s["service"], s["name"]) for s in spans}
        ids = {s["span_id"] for s in spans} | {caller}
        complete = {("events", "POST /kegiatan/{kegiatan_id}/transitions"), ("notifications-worker", "send email")} <= names
        linked = all(s["parent_span_id"] in ids for s in spans)
        return spans if complete and linked else None

    spans = await eventually(whole_trace, timeout=30, what=f"trace {trace_id} from the publish to the send")
    services = {s["service"] for s in spans}
    assert {"events", "notifications-consumers", "notifications-worker"} <= services, services
    assert any(s["name"] == "fan out invitations" for s in spans)
    (consumed,) = [s for s in spans if s["service"] == "notifications-consumers"
                   and s["name"].endswith("events.participation process")]
    assert consumed["kind"] == 5  # SPAN_KIND_CONSUMER
    # the Celery hop: the task sends messages of many traces at once, so each message carries the
    # trace it was written in, and its send continues that span
    (send,) = [s for s in spans if s["name"] == "send email"]
    assert send["parent_span_id"] == consumed["span_id"]
    assert any(s["service"] == "notifications-worker" and s["scope"].endswith("pymongo") for s in spans)
    assert any(s["service"] == "notifications-consumers" and s["scope"].endswith("pymongo") for s in spans)
    logo, rsvp, verify = qr_codes(pdf)  # this office's logo is a QR code too
    assert logo == "Kota Palu"
    assert "/r/" in rsvp and len(rsvp) < 60 and rsvp in text
    async with httpx.AsyncClient(timeout=30) as http:
        r = await http.get(rsvp)
        assert r.status_code == 303 and "/rsvp/" in r.headers["location"]
    code = verify.rsplit("/", 1)[1]
    assert verify.startswith(platform.urls["web"]) and f"Kode verifikasi: {code[:5]}-{code[5:]}" in text
    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=30) as nt:
        record = (await nt.get(f"/documents/{code}")).json()  # no token: the printed code is the key
        assert record["number"] == f"005/{tag}/2026" and record["dated"] == today.isoformat()
        assert record["office_name"] == office["name"] and record["kind_label"] == "Surat undangan"
        assert record["addressee"].startswith("Ketua Ma") and "Khairaat" not in record["addressee"]
        pdf_header = {"Content-Type": "application/pdf"}
        r = await nt.post(f"/documents/{code.lower()}/check", content=pdf, headers=pdf_header)
        assert r.json()["authentic"] and r.json()["signature"] == "valid", r.text
        r = await nt.post(f"/documents/{code}/check", content=bytes(tampered), headers=pdf_header)
        assert not r.json()["authentic"] and not r.json()["hash_matches"] and r.json()["signature"] == "invalid"
        r = await nt.post(f"/documents/{code}/check", content=b"not a pdf", headers=pdf_header)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        assert (await nt.get("/documents/AAAAAAAAAA")).status_code == 404
        assert (await nt.get("/documents/not-a-code!")).status_code == 404


LETTER_FIELDS = {"nature": "Penting", "attachment": "-", "subject": "Undangan", "signatory_name": "Dr. Ahmad Syafi’i",
                 "signatory_title": "Kepala Badan"}


async def _found(mailbox, marker: str):
    found = _sink_messages(mailbox, marker)
    return found[0] if found else None


async def test_letter_fields_with_control_characters_and_bad_office_images_are_refused(platform, headers):
    from tests.e2e.events_support import kegiatan_body

    region = "72.71"
    admin, op = headers("admin", region), headers("operator", region)
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=30) as ev:
        body = kegiatan_body(region=region, venue_region=region, letter={**LETTER_FIELDS, "number": "005/1/2026",
                                                                         "subject": "Undangan\x07"})
        r = await ev.post("/kegiatan", json=body, headers=op)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
        assert any(e["field"].startswith("letter") for e in r.json()["errors"]), r.text
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        before = (await reg.get(f"/offices/{region}", headers=admin))
        r = await reg.put(f"/offices/{region}", headers=admin,
                          json={"name": "Badan Kesbangpol Kota Palu", "letterhead": ["PEMERINTAH KOTA PALU\x1b[31m"]})
        assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("letterhead"), r.text
        after = (await reg.get(f"/offices/{region}", headers=admin))
        assert after.status_code == before.status_code and after.text == before.text  # nothing written
        big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (256 * 1024)
        for name, file in (("logo", ("logo.png", big, "image/png")), ("logo", ("logo.png", b"%PDF-1.4", "image/png")),
                           ("signature", ("ttd.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"))):
            r = await reg.put(f"/offices/{region}/{name}", files={"file": file}, headers=admin)
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file", (name, r.text)
    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=30) as nt:
        k = kegiatan_body(region=region, venue_region=region)
        preview = {"kegiatan": {**{f: k[f] for f in ("title", "type", "starts_at", "ends_at")},
                                "venue": {"name": "Aula", "region": region, "zone": "WITA"},
                                "organiser": {"name": "Bakesbangpol Kota Palu", "region": region},
                                "letter": {**LETTER_FIELDS, "number": "005/1", "signatory_title": "Kepala\u0000"}},
                   "format": "pdf"}
        r = await nt.post("/preview", json=preview, headers=op)
        assert r.status_code == 422 and "signatory_title" in r.text, r.text
