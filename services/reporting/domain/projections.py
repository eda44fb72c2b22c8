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
