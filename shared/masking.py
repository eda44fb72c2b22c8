"""Masking of personal data shown in lists, exports and logs. No I/O."""

from __future__ import annotations


def mask_phone(value: str | None) -> str | None:
    """+6281234567890 → +62812****7890 (lists, exports for analysts, logs)."""
    if not value:
        return value
    return value[:6] + "*" * max(0, len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_email(value: str | None) -> str | None:
    """sekretariat@pp.or.id → se*********@pp.or.id"""
    if not value or "@" not in value:
        return value
    local, _, domain = value.partition("@")
    return local[:2] + "*" * max(1, len(local) - 2) + "@" + domain


def mask_name(value: str | None) -> str | None:
    """A username or a person's name in a log line: its first two characters."""
    if not value:
        return value
    return value[:2] + "*" * max(1, min(len(value) - 2, 8))


def mask_address(value: str | None) -> str | None:
    """A client's IP address in a log line: 203.0.113.45 → 203.0.113.x; IPv6 to its /48."""
    if not value:
        return value
    if "." in value and ":" not in value:
        return value.rsplit(".", 1)[0] + ".x"
    return ":".join(value.split(":")[:3]) + "::x"


# One policy by role for an ormas's and a guest's contacts, in every API: the office's own staff,
# who call and write to them, see them whole; read-only roles see them masked.
SEES_CONTACTS = ("operator", "verifier", "head", "admin", "opd")  # opd: an ormas's own (public) contacts


def contacts_for(role: str, record: dict, fields=("phone", "whatsapp", "email")) -> dict:
    """``record`` as ``role`` may see it: its phone numbers and e-mail masked unless the role sees contacts."""
    if role in SEES_CONTACTS:
        return record
    out = dict(record)
    for f in fields:
        if out.get(f):
            out[f] = mask_email(out[f]) if f == "email" else mask_phone(out[f])
    return out
