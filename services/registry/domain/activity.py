"""Activity reports (laporan kegiatan ormas): UU 17/2013 makes the pledge to report activities a
condition of registration (the registry keeps it as ``pernyataan_laporan``); an ormas reports each
semester. No I/O.

A period is a semester, ``2026-S1`` (January–June) or ``2026-S2`` (July–December). Its report may
be sent from the semester's first day and is due by the end of the month after it (31 July, 31
January). An ormas expected to report is one the office has registered or recorded as a legal
entity."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from shared import errors

PERIOD = re.compile(r"^(?P<y>20[0-9]{2})-S(?P<s>[12])$")
FUNDING = {"iuran_anggota": "Iuran anggota", "hibah_pemerintah": "Hibah/bantuan pemerintah (APBN/APBD)",
           "swasta": "Swasta/CSR", "masyarakat": "Sumbangan masyarakat", "usaha_sendiri": "Usaha sendiri",
           "asing": "Bantuan asing", "lainnya": "Lainnya"}
EXPECTED = ("registered", "expiring", "legal_entity")
MAX_ACTIVITIES = 100


def bounds(period: str) -> tuple[dt.date, dt.date]:
    """The semester's first and last day (FieldError on ``period`` for anything else)."""
    m = PERIOD.match(period or "")
    if not m:
        raise errors.FieldError("period", "a semester: 2026-S1 (January–June) or 2026-S2 (July–December)")
    y, s = int(m["y"]), int(m["s"])
    return (dt.date(y, 1, 1), dt.date(y, 6, 30)) if s == 1 else (dt.date(y, 7, 1), dt.date(y, 12, 31))


def due_on(period: str) -> dt.date:
    _, last = bounds(period)
    after = last + dt.timedelta(days=1)
    nxt = (after.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def period_of(day: dt.date) -> str:
    return f"{day.year}-S{1 if day.month <= 6 else 2}"


def previous(period: str) -> str:
    first, _ = bounds(period)
    return period_of(first - dt.timedelta(days=1))


def check_open(period: str, today: dt.date) -> None:
    """A report is sent from the semester's first day on."""
    first, _ = bounds(period)
    if today < first:
        raise errors.FieldError("period", "the semester has not begun")


def late(period: str, today: dt.date) -> bool:
    return today > due_on(period)


def report(body: Mapping[str, Any], period: str) -> dict[str, Any]:
    """The report as kept: activities within the semester, people reached, funding sources."""
    first, last = bounds(period)
    activities = []
    for i, a in enumerate(body.get("activities") or []):
        on = a["date"]
        if not first <= on <= last:
            raise errors.FieldError(f"activities.{i}.date", f"outside {period} ({first} to {last})")
        activities.append({"date": on.isoformat(), "title": a["title"], "people": a.get("people"),
                           "place": a.get("place")})
    unknown = [f for f in body.get("funding_sources") or [] if f not in FUNDING]
    if unknown:
        raise errors.FieldError("funding_sources", f"unknown: {', '.join(unknown)}")
    return {"activities": activities, "people_reached": body.get("people_reached") or 0,
            "funding_sources": sorted(set(body.get("funding_sources") or [])), "notes": body.get("notes")}


def summary(kept: Mapping[str, Any], at: dt.datetime) -> dict[str, Any]:
    """What the ormas record keeps of its report of a period (the report itself is kept apart)."""
    return {"submitted_at": at, "activities": len(kept["activities"]), "people_reached": kept["people_reached"],
            "funding_sources": kept["funding_sources"]}
