"""Which channels a letter takes to a recipient: the platform's one rule, read by notifications
(which sends) and by events (which tells the operator, before publishing, how letters will go)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

CHANNELS = ("email", "whatsapp", "sms")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")


def usable(channel: str, address: str | None) -> bool:
    """An address the channel can take, checked before anything is sent."""
    if not address:
        return False
    return bool(EMAIL_RE.match(address)) if channel == "email" else bool(PHONE_RE.match(address))


def addresses(recipient: Mapping[str, Any]) -> dict[str, str]:
    """The usable address of each channel a recipient has: e-mail, WhatsApp, and SMS to the phone
    (or to the WhatsApp number when there is no other phone)."""
    out = {}
    if usable("email", recipient.get("email")):
        out["email"] = recipient["email"]
    if usable("whatsapp", recipient.get("whatsapp")):
        out["whatsapp"] = recipient["whatsapp"]
    phone = recipient.get("phone") or recipient.get("whatsapp")
    if usable("sms", phone):
        out["sms"] = phone
    return out


def first_channels(available: Mapping[str, str]) -> list[str]:
    """An invitation goes by e-mail (the letter with its PDF) and by WhatsApp where the recipient
    has them; SMS, which costs per message, only when neither is there — or as the fallback."""
    first = [c for c in ("email", "whatsapp") if c in available]
    return first or (["sms"] if "sms" in available else [])


def tally(recipients: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """How many letters go by each channel, and how many recipients have none (``none``)."""
    out = {c: 0 for c in (*CHANNELS, "none")}
    for r in recipients:
        for c in first_channels(addresses(r)) or ["none"]:
            out[c] += 1
    return out
