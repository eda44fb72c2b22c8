"""Which messages an invitation becomes, and the rules of sending them. No I/O.

One message per (participant, kind, channel), named by a deterministic id, so a redelivered event
or a second worker can never make a second one. A message is claimed before it is sent and marked
as handed to the provider just before the provider is called: a worker killed before that point
leaves a message that is sent again; one killed after it leaves a message that is not (it may
have gone out), and is counted as such."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from typing import Any

from shared import regions
from shared.channels import CHANNELS, addresses, first_channels, usable  # noqa: F401 (the rule lives in shared)

FALLBACK = {"email": ("whatsapp", "sms"), "whatsapp": ("sms", "email"), "sms": ("email",)}
KINDS = ("invitation", "reminder_3d", "reminder_1d", "reminder", "rescheduled", "cancelled", "skt_expiry", "ew_alert",
         "ew_reminder", "activity_report_due", "account_verification")
FINAL = ("sent", "delivered", "read", "failed", "dead")
QUIET_FROM, QUIET_UNTIL = 21, 7  # no WhatsApp or SMS between 21.00 and 07.00 in the recipient's zone


def message_id(participant_id: str, kind: str, channel: str) -> str:
    return f"{participant_id}:{kind}:{channel}"


def next_channel(failed: str, available: Mapping[str, str], tried: set[str]) -> str | None:
    """Where a permanently failed message goes next (an e-mail that bounced → WhatsApp, then SMS)."""
    return next((c for c in FALLBACK[failed] if c in available and c not in tried), None)


def quiet_until(channel: str, now: dt.datetime, zone: str,
                hours: tuple[int, int] = (QUIET_FROM, QUIET_UNTIL)) -> dt.datetime | None:
    """When a WhatsApp or SMS message may go, if now is night in the recipient's zone; else None.
    ``hours``: the quiet window's first and last-plus-one local hour (equal: no quiet hours)."""
    start, end = hours
    if channel == "email" or start == end:
        return None
    local = now.astimezone(regions.ZONES[zone])
    quiet = (start <= local.hour or local.hour < end) if start > end else (start <= local.hour < end)
    if not quiet:
        return None
    morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning += dt.timedelta(days=1)
    return morning.astimezone(dt.UTC)


def backoff(attempt: int, *, base: float = 2.0, cap: float = 600.0, rnd: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: a random wait in [0, min(cap, base * 2**attempt)]."""
    r = rnd or random
    return r.uniform(0, min(cap, base * 2 ** attempt))


def zone_of(region: str | None, fallback: str = "WIB") -> str:
    return regions.zone_of(region) if region and regions.is_valid(region) else fallback


def for_invitation(data: Mapping[str, Any], now: dt.datetime, kind: str = "invitation",
                   variant: str = "") -> list[dict[str, Any]]:
    """The message documents an ``invited`` event becomes: one per channel the recipient has, or
    one ``unreachable`` record when it has none (reported on the kegiatan, never crashed on)."""
    change = data["change"]
    payload = {**change, "kind": data["kind"]}
    available = addresses(change["recipient"])
    zone = change["kegiatan"]["venue"]["zone"]
    base = {"participant_id": data["participant_id"], "kegiatan_id": data["kegiatan_id"], "ormas_id": data.get("ormas_id"),
            "region": data["kegiatan_region"], "recipient_name": change["recipient"]["name"], "kind": kind,
            "zone": zone_of(data.get("region"), zone), "payload": payload, "available": available,
            "attempts": 0, "claim": None, "handed_at": None, "provider_id": None, "error": None,
            "created_at": now, "updated_at": now, "enqueued_at": now, "not_before": None, "variant": variant}
    if not available:
        return [{**base, "_id": message_id(data["participant_id"], kind, "none") + variant, "channel": "none", "to": None,
                 "status": "unreachable", "error": "no usable e-mail, WhatsApp or phone number",
                 "history": [{"at": now, "status": "unreachable", "note": "no usable contact"}]}]
    return [{**base, "_id": message_id(data["participant_id"], kind, c) + variant, "channel": c, "to": available[c],
             "status": "queued", "history": [{"at": now, "status": "queued", "note": None}]}
            for c in first_channels(available)]


def for_notice(invited: Mapping[str, Any], kind: str, now: dt.datetime, *, kegiatan: Mapping[str, Any] | None = None,
               reason: str | None = None, variant: str = "") -> list[dict[str, Any]]:
    """A reminder or a reschedule / cancellation notice to one participant, on the channels its
    invitation took, with the kegiatan's current time. Nothing for a participant with no contact."""
    change = dict(invited["change"])
    if kegiatan is not None:
        change["kegiatan"] = {**change["kegiatan"], "starts_at": kegiatan["starts_at"], "ends_at": kegiatan["ends_at"]}
    if reason:
        change["reason"] = reason
    docs = for_invitation({**invited, "change": change}, now, kind=kind, variant=variant)
    return [d for d in docs if d["status"] != "unreachable"]


def for_skt_expiry(ormas: Mapping[str, Any], days_left: int, valid_until: str, now: dt.datetime) -> list[dict[str, Any]]:
    """The notice to an ormas that its SKT runs out in 90, 30 or 7 days (once per SKT and notice)."""
    available = addresses(ormas)
    kind = f"skt_expiry_{days_left}"
    base = {"participant_id": f"skt:{ormas['ormas_id']}:{valid_until}", "kegiatan_id": None, "ormas_id": ormas["ormas_id"],
            "region": ormas["region"], "variant": "",
            "recipient_name": ormas["name"], "kind": kind, "zone": zone_of(ormas.get("region")),
            "payload": {"name": ormas["name"], "skt_number": ormas.get("skt_number"), "valid_until": valid_until,
                        "days_left": days_left, "region": ormas["region"]},
            "available": available, "attempts": 0, "claim": None, "handed_at": None, "provider_id": None, "error": None,
            "created_at": now, "updated_at": now, "enqueued_at": now, "not_before": None}
    return [{**base, "_id": message_id(base["participant_id"], kind, c), "channel": c, "to": available[c],
             "status": "queued", "history": [{"at": now, "status": "queued", "note": None}]}
            for c in first_channels(available)]


def for_verification(data: Mapping[str, Any], now: dt.datetime) -> list[dict[str, Any]]:
    """A new organisation's e-mail verification link (by e-mail only: it proves that address)."""
    kind = "account_verification"
    base = {"participant_id": f"signup:{data['signup_id']}", "kegiatan_id": None, "ormas_id": None,
            "region": data["region"], "variant": "", "recipient_name": data["full_name"], "kind": kind,
            "zone": zone_of(data["region"]), "payload": {k: data[k] for k in ("full_name", "organisation", "region",
                                                                                "link", "expires_at")},
            "available": {"email": data["email"]}, "attempts": 0, "claim": None, "handed_at": None,
            "provider_id": None, "error": None, "created_at": now, "updated_at": now, "enqueued_at": now,
            "not_before": None}
    return [{**base, "_id": message_id(base["participant_id"], kind, "email"), "channel": "email", "to": data["email"],
             "status": "queued", "history": [{"at": now, "status": "queued", "note": None}]}]


def for_activity_due(ormas: Mapping[str, Any], period: str, due_on: str, now: dt.datetime) -> list[dict[str, Any]]:
    """The reminder to an ormas that its activity report of ``period`` is missing (once per semester)."""
    available = addresses(ormas)
    kind = "activity_report_due"
    base = {"participant_id": f"act:{ormas['ormas_id']}:{period}", "kegiatan_id": None, "ormas_id": ormas["ormas_id"],
            "region": ormas["region"], "variant": "", "recipient_name": ormas["name"], "kind": kind,
            "zone": zone_of(ormas.get("region")),
            "payload": {"name": ormas["name"], "period": period, "due_on": due_on, "region": ormas["region"]},
            "available": available, "attempts": 0, "claim": None, "handed_at": None, "provider_id": None, "error": None,
            "created_at": now, "updated_at": now, "enqueued_at": now, "not_before": None}
    return [{**base, "_id": message_id(base["participant_id"], kind, c), "channel": c, "to": available[c],
             "status": "queued", "history": [{"at": now, "status": "queued", "note": None}]}
            for c in first_channels(available)]


def for_alert(data: Mapping[str, Any], event: str, now: dt.datetime) -> list[dict[str, Any]]:
    """An early-warning report's alert (``escalated``: ``ew_alert_tinggi`` or ``ew_alert_kritis``)
    or its reminder (``reminder_due``) to each team member named, by e-mail and WhatsApp (SMS when
    they have neither); once per member and kind. A kritis alert is ``urgent``: it goes at night too."""
    change = data["change"]
    kind = f"ew_alert_{change['level']}" if event == "escalated" else "ew_reminder"
    payload = {k: data.get(k) for k in ("report_id", "title", "category", "severity", "status", "region",
                                          "occurred_at", "people_estimate")}
    payload.update(location_name=change["location_name"], link=change["link"], level=change.get("level"),
                   hours=change.get("hours"))
    docs = []
    for member in change["recipients"]:
        available = addresses(member)
        base = {"participant_id": f"ew:{data['report_id']}:{member['member_id']}", "kegiatan_id": None, "ormas_id": None,
                "region": data["region"], "variant": "", "recipient_name": member["name"], "kind": kind,
                "zone": zone_of(member.get("region") or data["region"]), "payload": {**payload, "to": member["name"]},
                "urgent": change.get("urgent", False), "available": available, "attempts": 0, "claim": None,
                "handed_at": None, "provider_id": None, "error": None, "created_at": now, "updated_at": now,
                "enqueued_at": now, "not_before": None}
        docs += [{**base, "_id": message_id(base["participant_id"], kind, c), "channel": c, "to": available[c],
                  "status": "queued", "history": [{"at": now, "status": "queued", "note": None}]}
                 for c in first_channels(available)]
    return docs
