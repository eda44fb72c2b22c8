"""The events a kegiatan or participant change raises, and the participants a publish creates.

``events.kegiatan`` is keyed by the kegiatan, ``events.participation`` by the participant: one
large kegiatan spreads over every partition while each participant's events keep their order."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from services.events.domain import kegiatan as domain
from services.events.domain import participation
from shared import outbox, regions, tracing
from shared.contracts import make_event

SOURCE = "/kesbang/events"
KEGIATAN_TOPIC = "events.kegiatan"
PARTICIPATION_TOPIC = "events.participation"
TOKEN_VALIDITY_AFTER_END = dt.timedelta(days=31)


def kegiatan_event(name: str, doc: Mapping[str, Any], change: dict[str, Any] | None = None) -> dict[str, Any]:
    data = domain.snapshot(doc)
    if change is not None:
        data["change"] = change
    event = make_event(f"events.kegiatan.{name}", source=SOURCE, subject=f"kegiatan/{doc['_id']}", data=data,
                       region=doc["region"], sequence=doc["version"], traceparent=tracing.current_traceparent())
    return outbox.entry(KEGIATAN_TOPIC, doc["_id"], event)


def participation_event(name: str, p: Mapping[str, Any], k: Mapping[str, Any], change: dict[str, Any], *,
                        validate: bool = True) -> dict[str, Any]:
    data = {"participant_id": p["_id"], "kegiatan_id": k["_id"], "version": p["version"], "kind": p["kind"],
            "ormas_id": p.get("ormas_id"), "name": p["name"], "region": p.get("region"),
            "kegiatan_region": k["region"], "kegiatan_type": k["type"], "starts_at": domain._iso(k["starts_at"]),
            "change": change}
    event = make_event(f"events.participation.{name}", source=SOURCE, subject=f"participant/{p['_id']}", data=data,
                       region=k["region"], sequence=p["version"], traceparent=tracing.current_traceparent(),
                       validate=validate)
    return outbox.entry(PARTICIPATION_TOPIC, p["_id"], event)


def tokens(secret: bytes, k: Mapping[str, Any], pid: str) -> tuple[str, str]:
    expires = k["ends_at"] + TOKEN_VALIDITY_AFTER_END
    return (participation.sign(secret, purpose="rsvp", kegiatan_id=k["_id"], participant_id=pid, expires=expires),
            participation.sign(secret, purpose="checkin", kegiatan_id=k["_id"], participant_id=pid, expires=expires))


def rsvp_url(public_url: str, kegiatan_id: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/rsvp/{kegiatan_id}/{token}"


SHORT = re.compile(r"^[a-z2-7]{10}$")
SHORT_IN_SCAN = re.compile(r"^(?:https?://\S+/)?r/([a-z2-7]{10})$")  # a short link as a QR code gives it


def short_code(secret: bytes, participant_id: str) -> str:
    """The participant's short RSVP code: ten base32 characters (50 bits) of an HMAC, so it cannot
    be guessed, and the same on every fan-out attempt. ``/r/<code>`` resolves to the signed link."""
    digest = hmac.new(secret, f"short:{participant_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:10]


def short_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/r/{code}"


def _recipient_of_ormas(copy: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": copy["name"], "email": copy.get("email"), "phone": copy.get("phone"),
            "whatsapp": copy.get("whatsapp"), "position": None, "institution": copy["name"],
            "officers": [{"name": o["name"], "position": o["position"]} for o in copy.get("officers") or []]}


def _recipient_of_guest(g: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": g["name"], "email": g.get("email"), "phone": g.get("phone"), "whatsapp": g.get("whatsapp"),
            "position": g.get("position"), "institution": g.get("institution"), "officers": []}


def invitation_letter(k: Mapping[str, Any]) -> dict[str, Any]:
    snap = domain.snapshot(k)
    return {"title": snap["title"], "type": snap["type"], "theme": snap["theme"], "starts_at": snap["starts_at"],
            "ends_at": snap["ends_at"], "venue": snap["venue"], "organiser": snap["organiser"],
            "speakers": [{"name": s["name"], "position": s.get("position"), "institution": s.get("institution")}
                         for s in k.get("speakers") or []],
            "agenda": [{"time": a.get("time"), "title": a["title"], "day": a.get("day")} for a in k.get("agenda") or []],
            "letter": {f: (k.get("letter") or {}).get(f) for f in (*domain.LETTER_FIELDS, "signatory_nip", "place", "date")}}


def new_participants(k: Mapping[str, Any], invitees: list[str], copies: Mapping[str, Mapping[str, Any]], *, secret: bytes,
                     public_url: str, now: dt.datetime, actor: str
                     ) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[str]]:
    """The participant documents of a published kegiatan with their ``invited`` events (outbox
    entries, published by the fan-out), and the frozen invitees no longer in the registry copy
    (reported, not invited)."""
    letter = invitation_letter(k)
    if k.get("recorded") and domain.missing_letter_fields(k.get("letter")):  # nobody is written to; its letter
        letter["letter"] = None  # data, when complete, numbers its certificates
    cutoff = domain.rsvp_cutoff(k)
    docs, missing = [], []
    people = [("ormas", oid, copies.get(oid)) for oid in invitees]
    people += [("guest", g["id"], g) for g in k.get("guests") or ()]
    for kind, local, source in people:
        if source is None:
            missing.append(local)
            continue
        pid = f"{k['_id']}:{local if kind == 'ormas' else 'g-' + local}"
        recipient = _recipient_of_ormas(source) if kind == "ormas" else _recipient_of_guest(source)
        doc = {"_id": pid, "kegiatan_id": k["_id"], "kind": kind, "ormas_id": local if kind == "ormas" else None,
               "name": recipient["name"], "region": source.get("region") if kind == "ormas" else None,
               "recipient": recipient, "seats": k["seats_per_ormas"] if kind == "ormas" else 1,
               "status": "invited", "attending": None, "delegates": [], "attendance": {}, "checked_in_at": None,
               "version": 1, "created_at": now, "history": [{"at": now, "by": actor, "action": "invited"}],
               "fanout_run": (k.get("fanout") or {}).get("run")}
        rsvp, checkin = tokens(secret, k, pid)
        doc["short"] = short_code(secret, pid)
        change = {"recipient": recipient, "seats": doc["seats"], "kegiatan": letter,
                  "rsvp_url": rsvp_url(public_url, k["_id"], rsvp), "short_url": short_url(public_url, doc["short"]),
                  "rsvp_cutoff": domain._iso(cutoff),
                  "checkin_token": checkin,
                  "reachable": any(recipient.get(c) for c in ("email", "phone", "whatsapp"))}
        if k.get("recorded"):  # it took place already: the invitation is recorded, never sent
            change["recorded"] = True
        # recipients come from the validated registry copy or validated guest input, and every
        # invitation has the same shape: the first one of a fan-out is checked against the contract
        docs.append((doc, participation_event("invited", doc, k, change, validate=not docs)))
    return docs, missing


def region_name(code: str | None) -> str | None:
    r = regions.get(code) if code else None
    return r.name if r else None
