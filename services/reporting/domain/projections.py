"""How events become reporting figures. No I/O."""

from __future__ import annotations

from typing import Any

from shared import regions

ORMAS_FIELDS = ("name", "kind", "region", "status")
OPTIONAL_FIELDS = ("legal_form", "bidang", "skt_valid_until", "sanction_level")  # for the breakdowns


def ormas_row(data: dict[str, Any]) -> dict[str, Any]:
    """The reporting copy of one ormas, from a ``registry.ormas.*`` event's data."""
    row = {k: data[k] for k in ORMAS_FIELDS}
    row.update({k: data.get(k) for k in OPTIONAL_FIELDS})
    row["province"] = data["region"][:2]
    row["regency"] = ".".join(data["region"].split(".")[:2]) if "." in data["region"] else None
    return row


def child_key(scope: str) -> str:
    """The field that breaks a scope's figures down one level: provinces, then regencies/cities."""
    return "province" if scope == regions.NATIONAL else "regency"


# --- kegiatan, participation, deliveries, aspirations -------------------------------------------

DELIVERY_RANK = {"unreachable": 0, "sent": 1, "failed": 2, "delivered": 3, "read": 4}


def kegiatan_row(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The reporting copy of one kegiatan from any ``events.kegiatan.*`` event; the month is the
    start's, in the venue's zone."""
    from shared import tanggal

    start = _time(data["starts_at"])
    row = {"type": data["type"], "title": data["title"], "region": data["region"], "status": data["status"],
           "starts_at": start, "month": tanggal.local(start, data["venue"]["zone"]).strftime("%Y-%m"),
           "venue_region": data["venue"]["region"], "invited": data.get("invited", 0),
           "province": data["region"][:2], "regency": ".".join(data["region"].split(".")[:2]) if "." in data["region"] else None}
    if name == "completed":
        c = data["change"]
        row.update(attending=c["attending"], declined=c["declined"], checked_in=c["checked_in"],
                   walk_ins=c["walk_ins"], people_present=c["people_present"])
    return row


def participation_fields(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """What one ``events.participation.*`` event sets on the participant's reporting row."""
    base = {"kegiatan_id": data["kegiatan_id"], "ormas_id": data.get("ormas_id"), "kind": data["kind"],
            "region": data["kegiatan_region"], "kegiatan_type": data["kegiatan_type"],
            "month": data["starts_at"][:7]}
    if name == "invited":
        return {**base, "invited": True}
    if name == "responded":
        return {**base, "attending": data["change"]["attending"]}
    return {**base, "checked_in": True, f"days.{data['change']['day']}": data["change"]["people"]}


def _time(value: str):
    import datetime as dt

    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
