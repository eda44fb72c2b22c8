"""A kegiatan (an office's event) and its lifecycle. No I/O: the caller supplies ids and time.

draft → published → (rescheduled) → ongoing → completed; cancelled at any time before completed.
Every step records who, when and why. Publishing needs complete letter data (nomor, sifat,
lampiran, perihal, signatory) and at least one invitee."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from shared import regions
from shared.errors import FieldError

TYPES = ("fasilitasi", "dialog", "pelatihan", "apel", "silaturahmi", "sosialisasi", "rapat_koordinasi")
STATUSES = ("draft", "published", "rescheduled", "ongoing", "completed", "cancelled")
LETTER_FIELDS = ("number", "nature", "attachment", "subject", "signatory_name", "signatory_title")

TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "publish": (("draft",), "published"),
    "reschedule": (("published", "rescheduled"), "rescheduled"),
    "start": (("published", "rescheduled"), "ongoing"),
    "complete": (("ongoing",), "completed"),
    "cancel": (("draft", "published", "rescheduled", "ongoing"), "cancelled"),
}


class InvalidKegiatan(FieldError):
    """Bad input, naming the field."""


class IllegalStep(Exception):
    def __init__(self, action: str, status: str, allowed: list[str]):
        super().__init__(f"{action!r} is not allowed while the kegiatan is {status!r}")
        self.action, self.status, self.allowed = action, status, allowed


@dataclasses.dataclass(frozen=True)
class Details:
    title: str
    type: str
    region: str  # the organising office's region
    venue_name: str
    venue_region: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    seats_per_ormas: int = 1
    capacity: int | None = None
    theme: str | None = None
    venue_address: str | None = None
    speakers: Sequence[Mapping[str, str]] = ()
    agenda: Sequence[Mapping[str, Any]] = ()
    letter: Mapping[str, Any] | None = None

    def normalised(self) -> dict[str, Any]:
        title = " ".join((self.title or "").split())
        if not title:
            raise InvalidKegiatan("title", "is required")
        if self.type not in TYPES:
            raise InvalidKegiatan("type", f"must be one of {', '.join(TYPES)}")
        if not regions.is_valid(self.region):
            raise InvalidKegiatan("region", f"{self.region!r} is not a Kemendagri region code")
        venue = regions.get(self.venue_region)
        if venue is None:
            raise InvalidKegiatan("venue_region", f"{self.venue_region!r} is not a Kemendagri region code")
        for f, t in (("starts_at", self.starts_at), ("ends_at", self.ends_at)):
            if t.tzinfo is None:
                raise InvalidKegiatan(f, "needs a time zone")
        if self.ends_at <= self.starts_at:
            raise InvalidKegiatan("ends_at", "must be after starts_at")
        if self.ends_at - self.starts_at > dt.timedelta(days=31):
            raise InvalidKegiatan("ends_at", "a kegiatan lasts at most 31 days")
        if not 1 <= self.seats_per_ormas <= 50:
            raise InvalidKegiatan("seats_per_ormas", "must be between 1 and 50")
        if self.capacity is not None and self.capacity < 1:
            raise InvalidKegiatan("capacity", "must be positive")
        for i, s in enumerate(self.speakers):
            if not (s.get("name") or "").strip():
                raise InvalidKegiatan(f"speakers.{i}.name", "is required")
        return {
            "title": title, "type": self.type, "theme": self.theme, "region": self.region,
            "venue": {"name": self.venue_name.strip(), "address": self.venue_address, "region": venue.code,
                      "zone": venue.zone},
            "starts_at": self.starts_at.astimezone(dt.UTC), "ends_at": self.ends_at.astimezone(dt.UTC),
            "seats_per_ormas": self.seats_per_ormas, "capacity": self.capacity,
            "speakers": [dict(s) for s in self.speakers], "agenda": [dict(a) for a in self.agenda],
            "letter": dict(self.letter) if self.letter else None,
        }


def missing_letter_fields(letter: Mapping[str, Any] | None) -> list[str]:
    return [f for f in LETTER_FIELDS if not str((letter or {}).get(f) or "").strip()]


def allowed(record: Mapping[str, Any]) -> list[str]:
    return [a for a, (sources, _) in TRANSITIONS.items() if record["status"] in sources]


def step(record: Mapping[str, Any], action: str, *, actor: str, at: dt.datetime, reason: str | None = None,
         invitees: int = 0, new_times: tuple[dt.datetime, dt.datetime] | None = None) -> tuple[dict, dict]:
    """(changes, history entry) for one lifecycle step, or IllegalStep / InvalidKegiatan."""
    if action not in TRANSITIONS:
        raise InvalidKegiatan("action", f"must be one of {', '.join(TRANSITIONS)}")
    sources, target = TRANSITIONS[action]
    status = record["status"]
    if status not in sources:
        raise IllegalStep(action, status, [TRANSITIONS[a][1] for a in allowed(record)])
    changes: dict[str, Any] = {"status": target}
    if action == "publish":
        missing = missing_letter_fields(record.get("letter"))
        if missing:
            raise InvalidKegiatan("letter", f"publishing needs the letter's {', '.join(missing)}")
        if invitees < 1:
            raise InvalidKegiatan("invitees", "publishing needs at least one invitee")
        if record["starts_at"] <= at:
            raise InvalidKegiatan("starts_at", "a kegiatan in the past cannot be published")
    if action == "reschedule":
        if not new_times:
            raise InvalidKegiatan("starts_at", "rescheduling needs the new start and end")
        start, end = new_times
        if end <= start:
            raise InvalidKegiatan("ends_at", "must be after starts_at")
        if start <= at:
            raise InvalidKegiatan("starts_at", "the new start must be in the future")
        changes.update(starts_at=start.astimezone(dt.UTC), ends_at=end.astimezone(dt.UTC))
    if action in ("reschedule", "cancel") and not (reason or "").strip():
        raise InvalidKegiatan("reason", f"{action} needs a reason")
    history = {"at": at, "by": actor, "action": action, "from": status, "to": target}
    if reason:
        history["reason"] = reason.strip()
    return changes, history
