"""A kegiatan (an office's event) and its lifecycle. No I/O: the caller supplies ids and time.

draft → published → (rescheduled) → ongoing → completed; cancelled at any time before completed.
Every step records who, when and why. Publishing needs complete letter data (nomor, sifat,
lampiran, perihal, signatory) and at least one invitee. A kegiatan that already took place (the
2018 facilitation days, an ormas's visit to the office) is *recorded*: draft → ongoing with its
invitees and no letter, its attendance entered by hand, then completed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from shared import regions
from shared.errors import FieldError, TransitionNotAllowed

TYPES = ("fasilitasi", "dialog", "pelatihan", "apel", "silaturahmi", "sosialisasi", "rapat_koordinasi")
STATUSES = ("draft", "published", "rescheduled", "ongoing", "completed", "cancelled")
LETTER_FIELDS = ("number", "nature", "attachment", "subject", "signatory_name", "signatory_title")

TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "publish": (("draft",), "published"),
    "record": (("draft",), "ongoing"),
    "reschedule": (("published", "rescheduled"), "rescheduled"),
    "start": (("published", "rescheduled"), "ongoing"),
    "complete": (("ongoing",), "completed"),
    "cancel": (("draft", "published", "rescheduled", "ongoing"), "cancelled"),
}


class InvalidKegiatan(FieldError):
    """Bad input, naming the field."""


class IllegalStep(TransitionNotAllowed):
    def __init__(self, action: str, status: str, allowed: list[str]):
        super().__init__(f"{action!r} is not allowed while the kegiatan is {status!r}", current_status=status,
                         allowed_next_states=allowed)
        self.action, self.current_status, self.allowed = action, status, allowed


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


def allowed(record: Mapping[str, Any], now: dt.datetime | None = None) -> list[str]:
    """The actions possible in the record's status (given ``now``: publish only before the start,
    record only after it)."""
    out = [a for a, (sources, _) in TRANSITIONS.items() if record["status"] in sources]
    if now is not None and record["status"] == "draft":
        out.remove("record" if record["starts_at"] > now else "publish")
    return out


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
    if action == "record":
        if record["starts_at"] > at:
            raise InvalidKegiatan("starts_at", "only a kegiatan that has begun can be recorded as having taken place")
        if invitees < 1:
            raise InvalidKegiatan("invitees", "recording needs at least one participant")
        changes["recorded"] = True
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


TIMEZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
DEFAULT_RSVP_CUTOFF = dt.timedelta(hours=24)


MAX_CARRIED = 20


def next_fanout(prior: Mapping[str, Any] | None, *, run: str, by: str) -> dict[str, Any]:
    """The pending fan-out of an addition. A run still pending when the addition comes (its worker
    may have died between writing participants and publishing them) is carried: the new run
    publishes that run's participants too, or their invitations would never go out."""
    prior = prior or {}
    carried = [*(prior.get("carried") or []), prior["run"]] if prior.get("state") == "pending" and prior.get("run") \
        else []
    return {"state": "pending", "run": run, "by": by, "carried": carried[-MAX_CARRIED:]}


def organiser_name(region: str) -> str:
    """The office's name as its letterhead writes it: "Badan Kesatuan Bangsa dan Politik Kota Pasuruan",
    "… Provinsi Daerah Khusus Ibukota Jakarta"; the national office is the Ditjen Polpum."""
    r = regions.get(region)
    if r is None:
        return "Direktorat Jenderal Politik dan Pemerintahan Umum Kementerian Dalam Negeri"
    place = f"Provinsi {r.name}" if r.kind == "provinsi" else r.name
    return f"Badan Kesatuan Bangsa dan Politik {place}"


def rsvp_cutoff(record: Mapping[str, Any]) -> dt.datetime:
    return record.get("rsvp_cutoff") or record["starts_at"] - DEFAULT_RSVP_CUTOFF


def check_rsvp_cutoff(cutoff: dt.datetime | None, starts_at: dt.datetime) -> None:
    if cutoff is not None and cutoff > starts_at:
        raise InvalidKegiatan("rsvp_cutoff", "answers must close before the kegiatan starts")


def check_start(record: Mapping[str, Any], at: dt.datetime) -> None:
    if at < record["starts_at"] - dt.timedelta(hours=3):
        raise InvalidKegiatan("action", "a kegiatan starts at the earliest 3 hours before its start time")


def snapshot(record: Mapping[str, Any]) -> dict[str, Any]:
    """The kegiatan as every ``events.kegiatan`` event carries it."""
    venue = record["venue"]
    region = regions.get(venue["region"])
    return {
        "kegiatan_id": record["_id"], "version": record["version"], "title": record["title"], "type": record["type"],
        "theme": record.get("theme"), "region": record["region"], "status": record["status"],
        "starts_at": _iso(record["starts_at"]), "ends_at": _iso(record["ends_at"]),
        "venue": {"name": venue["name"], "address": venue.get("address"), "region": venue["region"],
                  "region_name": region.name if region else None, "zone": venue["zone"],
                  "timezone": TIMEZONES[venue["zone"]]},
        "organiser": dict(record["organiser"]),
        "seats_per_ormas": record["seats_per_ormas"], "capacity": record.get("capacity"),
        "invited": record.get("invited_count") or 0,
    }


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


# --- outcomes: minutes and aspirations ---------------------------------------------------------

ASPIRATION_STATUSES = ("open", "in_progress", "done", "declined")
ASPIRATION_NEXT = {"open": ("in_progress", "done", "declined"), "in_progress": ("done", "declined"),
                   "done": (), "declined": ()}


def check_outcomes_allowed(record: Mapping[str, Any]) -> None:
    if record["status"] not in ("ongoing", "completed"):
        raise IllegalStep("record outcomes", record["status"], ["ongoing", "completed"])


def aspiration(*, aspiration_id: str, topic: str, text: str, raised_by: str, raised_by_ormas_id: str | None,
               follow_up_owner: str | None, at: dt.datetime, by: str) -> dict[str, Any]:
    topic, raised_by = " ".join((topic or "").split()), " ".join((raised_by or "").split())
    if not topic:
        raise InvalidKegiatan("topic", "is required")
    if not raised_by:
        raise InvalidKegiatan("raised_by", "name who raised it")
    return {"id": aspiration_id, "topic": topic, "text": (text or "").strip(), "raised_by": raised_by,
            "raised_by_ormas_id": raised_by_ormas_id, "follow_up_owner": (follow_up_owner or "").strip() or None,
            "status": "open", "note": None, "history": [{"at": at, "by": by, "status": "open"}]}


def follow_up(item: Mapping[str, Any], *, status: str, note: str | None, owner: str | None, at: dt.datetime,
              by: str) -> dict[str, Any]:
    if status not in ASPIRATION_STATUSES:
        raise InvalidKegiatan("status", f"must be one of {', '.join(ASPIRATION_STATUSES)}")
    if status != item["status"] and status not in ASPIRATION_NEXT[item["status"]]:
        raise IllegalStep(f"mark {status}", item["status"], list(ASPIRATION_NEXT[item["status"]]))
    if status in ("done", "declined") and not (note or "").strip():
        raise InvalidKegiatan("note", f"say how it was {'followed up' if status == 'done' else 'declined'}")
    out = {**item, "status": status, "note": (note or "").strip() or item.get("note"),
           "follow_up_owner": (owner or "").strip() or item.get("follow_up_owner")}
    out["history"] = [*item.get("history", []), {"at": at, "by": by, "status": status, "note": out["note"]}]
    return out


def public_aspiration(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: item.get(k) for k in ("id", "topic", "text", "raised_by", "raised_by_ormas_id", "follow_up_owner",
                                     "status", "note")}
