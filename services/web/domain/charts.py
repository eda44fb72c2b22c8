"""The dashboard's monthly series as its charts take them (Chart.js draws them in the browser;
the same figures stand in a table for a reader with no script or a screen reader). No I/O."""

from __future__ import annotations

from collections.abc import Mapping

from services.web.domain.labels import MONTHS_SHORT


def month_label(month: str) -> str:
    """``2026-12`` → ``Des 26``."""
    return f"{MONTHS_SHORT[int(month[5:7]) - 1]} {month[2:4]}"


def series(months: Mapping[str, int] | None) -> dict[str, list]:
    """``{"labels": ["Jan 26", …], "values": [3, …]}`` in month order."""
    items = sorted((months or {}).items())
    return {"labels": [month_label(m) for m, _ in items], "values": [n for _, n in items]}
