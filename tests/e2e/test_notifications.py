"""Invitations end to end: a kegiatan published by the events service becomes messages that the
Celery workers send — the letter with its PDF to the SMTP sink, WhatsApp and SMS to the local
stand-ins of the providers — with retries, a provider's rate limit, a bounce falling back to the
next channel, an ormas with no contact reported, and each message sent once."""

from __future__ import annotations

import email
import email.policy
import json
import uuid

import httpx
import pytest

from tests.e2e.events_support import create_kegiatan, create_ormas, events_of, set_invitees_when_copied, step
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


def _sink_messages(mail_dir, marker: str) -> list[email.message.EmailMessage]:
    out = []
    for f in mail_dir.glob("*.eml"):
        raw = f.read_bytes()
        if marker.encode() in raw:
            out.append(email.message_from_bytes(raw, policy=email.policy.default))
    return out


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
    mails = _sink_messages(platform.infra.mail_dir, f"Dialog Kebangsaan {tag}")
    to = sorted(m["To"] for m in mails)
    assert to == sorted([ormas["both"]["email"], ormas["email_only"]["email"]]), to
    letter = mails[0]
    assert letter["Subject"] == f"Undangan: Dialog Kebangsaan {tag}"
    pdfs = [p for p in letter.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content().startswith(b"%PDF")
    body = letter.get_body(preferencelist=("plain",)).get_content()
    assert "Kepada" in body and "Yth. Ketua Ormas Notif" in body and f"/rsvp/{kid}/" in body and " WIB" in body
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
