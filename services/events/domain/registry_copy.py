"""What the events service keeps of each ormas to resolve invitee targeting. No I/O."""

from __future__ import annotations

from typing import Any

FIELDS = ("name", "acronym", "kind", "region", "status", "email")


def ormas_copy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in FIELDS}
