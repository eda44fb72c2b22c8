"""Who earns a certificate of attendance, the one rule the events service (the office's list) and
notifications (an ormas's own certificates in the portal) both apply: present on every day of a
completed training, days counted in the venue's zone. A certificate's number is stable: the
kegiatan's letter number and a code of the participant, so it never changes when attendance is
recorded later. No I/O."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from shared import regions


def days_of(starts_at: dt.datetime, ends_at: dt.datetime, zone: str) -> list[str]:
    """Every day a kegiatan runs on, in its venue's zone."""
    tz = regions.ZONES[zone]
    first, last = starts_at.astimezone(tz).date(), ends_at.astimezone(tz).date()
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def present_every_day(attendance: Mapping[str, Any] | None, days: Sequence[str]) -> bool:
    """``attendance``: the days a participant was present (keys are ISO dates)."""
    seen = attendance or {}
    return bool(days) and all(d in seen for d in days)


def earns(kegiatan_type: str, status: str) -> bool:
    return kegiatan_type == "pelatihan" and status == "completed"


def certificate_number(letter_number: str | None, kegiatan_id: str, participant_id: str) -> str:
    base = (letter_number or kegiatan_id[:8]).rstrip("/")
    return f"{base}/S-{hashlib.sha256(participant_id.encode()).hexdigest()[:6].upper()}"
