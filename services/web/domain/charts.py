"""Monthly bar charts drawn on the server as SVG geometry (the template writes the shapes). No I/O."""

from __future__ import annotations

from collections.abc import Mapping

from services.web.domain.labels import MONTHS_SHORT

WIDTH, HEIGHT, TOP = 640, 150, 130


def month_label(month: str) -> str:
    """``2026-12`` → ``Des 26``."""
    return f"{MONTHS_SHORT[int(month[5:7]) - 1]} {month[2:4]}"


def bars(series: Mapping[str, int] | None) -> list[dict]:
    """One bar per month, scaled to the largest: x, y, width, height, label, figure."""
    months = list((series or {}).items())
    top = max([1, *(n for _, n in months)])
    w = max(8, 600 // max(1, len(months)))
    return [{"x": 20 + i * w, "y": HEIGHT - TOP * n / top, "w": w - 4, "h": TOP * n / top, "label": month_label(m), "n": n}
            for i, (m, n) in enumerate(months)]
