"""What notifications keeps of each ormas to reach it. No I/O."""

from __future__ import annotations

from typing import Any

FIELDS = ("name", "region", "email")


def contact_copy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in FIELDS}
