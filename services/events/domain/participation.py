"""A participant of a kegiatan: RSVP and check-in, and the signed links that reach them. No I/O.

invited → responded (attending with delegates up to the seats, or declined with a reason; changes
allowed until the cut-off) → checked_in | no_show. A second check-in is not an error: it answers
when the participant was checked in first. RSVP and check-in tokens are HMAC-signed, expiring and
bound to one participant and one kegiatan, so a token cannot be reused elsewhere."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any

from shared import attendance, regions, text
from shared.attendance import days_of
from shared.errors import FieldError

PURPOSES = ("rsvp", "checkin")


class InvalidToken(Exception):
    pass


class ParticipationError(FieldError):
    def __init__(self, field: str, message: str, status: int = 422):
        super().__init__(field, message)
        self.status = status


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, *, purpose: str, kegiatan_id: str, participant_id: str, expires: dt.datetime) -> str:
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    body = _b64(json.dumps([purpose, kegiatan_id, participant_id, int(expires.timestamp())],
                           separators=(",", ":")).encode())
    mac = _b64(hmac.new(secret, f"{purpose}.{body}".encode(), hashlib.sha256).digest()[:20])
    return f"{body}.{mac}"


def verify(secret: bytes, token: str, *, purpose: str, kegiatan_id: str, now: dt.datetime) -> str:
    """The participant id a valid token names, or InvalidToken (tampered, expired, other purpose or
    another kegiatan)."""
    try:
        body, mac = token.split(".")
        expected = _b64(hmac.new(secret, f"{purpose}.{body}".encode(), hashlib.sha256).digest()[:20])
        if not hmac.compare_digest(mac, expected):
            raise InvalidToken("the link is not valid")
        got_purpose, got_kegiatan, participant, expires = json.loads(_unb64(body))
    except InvalidToken:
        raise
    except (ValueError, TypeError) as e:
        raise InvalidToken("the link is not valid") from e
    if got_purpose != purpose:
        raise InvalidToken("the link is not valid")
    if got_kegiatan != kegiatan_id:
        raise InvalidToken("the link belongs to another kegiatan")
    if now.timestamp() > expires:
        raise InvalidToken("the link has expired")
    return participant


MAX_NAME = 200  # a delegate's name; the reason is bounded by MAX_REASON
MAX_REASON = 1000


@dataclasses.dataclass(frozen=True)
class Response:
    attending: bool
    delegates: Sequence[str] = ()
    reason: str | None = None


def respond(participant: Mapping[str, Any], answer: Response, *, seats: int, cutoff: dt.datetime,
            now: dt.datetime) -> dict[str, Any]:
    """The participant's fields after an RSVP (a later answer replaces an earlier one)."""
    if participant["status"] in ("checked_in", "no_show"):
        raise ParticipationError("status", "the kegiatan has taken place for this participant", status=409)
    if now > cutoff:
        raise ParticipationError("rsvp", f"answers closed at {cutoff.isoformat()}", status=409)
    delegates = [" ".join(d.split()) for d in answer.delegates if d and d.strip()]
    if answer.attending:
        if not delegates:
            raise ParticipationError("delegates", "name at least one delegate")
        if len(delegates) > seats:
            raise ParticipationError("delegates", f"at most {seats} delegate(s) per ormas")
        if any(len(d) > MAX_NAME for d in delegates):
            raise ParticipationError("delegates", f"a delegate's name has at most {MAX_NAME} characters")
        try:
            for d in delegates:
                text.check(d)
        except text.BadText as e:
            raise ParticipationError("delegates", str(e)) from None
    else:
        delegates = []
        if not (answer.reason or "").strip():
            raise ParticipationError("reason", "a declined invitation needs a reason")
        if len(answer.reason) > MAX_REASON:
            raise ParticipationError("reason", f"at most {MAX_REASON} characters")
    return {"status": "responded", "attending": answer.attending, "delegates": delegates,
            "decline_reason": None if answer.attending else answer.reason.strip(), "responded_at": now}


CHECKIN_OPENS = dt.timedelta(hours=3)
CHECKIN_CLOSES = dt.timedelta(hours=1)


def _check_people(participant: Mapping[str, Any], people: int, seats: int | None) -> None:
    """People present for one participant: an ormas up to its seats, anyone else up to 50."""
    limit = seats if participant.get("kind", "ormas") == "ormas" and seats else 50
    if not 1 <= people <= limit:
        raise ParticipationError("people", f"between 1 and {limit} people per participant")


def check_in(participant: Mapping[str, Any], *, now: dt.datetime, starts_at: dt.datetime, ends_at: dt.datetime,
             by: str, zone: str = "WIB", people: int = 1, method: str = "qr",
             seats: int | None = None) -> tuple[dict[str, Any] | None, str]:
    """(changes or None when already present today, message in Bahasa Indonesia for the scanner).

    Attendance is kept per day of the kegiatan in the venue's time zone, so each morning of a
    three-day training is a check-in of its own; a second scan the same day is not an error."""
    tz = regions.ZONES[zone]
    day = day_of(now, zone, starts_at, ends_at)
    present = (participant.get("attendance") or {}).get(day)
    if present is not None:
        return None, f"Sudah hadir pukul {present['at'].astimezone(tz):%H.%M} {zone}"
    if now < starts_at - CHECKIN_OPENS or now > ends_at + CHECKIN_CLOSES:
        raise ParticipationError("checkin", "check-in is open from 3 hours before the start to 1 hour after the end",
                                 status=409)
    _check_people(participant, people, seats)
    entry = {"at": now, "by": by, "people": people, "method": method}
    changes = {"status": "checked_in", f"attendance.{day}": entry}
    if participant.get("checked_in_at") is None:
        changes["checked_in_at"] = now
    return changes, f"Selamat datang, {participant.get('name') or 'peserta'}"


def record_present(participant: Mapping[str, Any], *, day: dt.date, starts_at: dt.datetime, ends_at: dt.datetime,
                   zone: str, by: str, people: int, seats: int | None, now: dt.datetime) -> tuple[dict[str, Any] | None, dt.datetime]:
    """(changes or None when that day is recorded already, the time it stands for): attendance
    entered afterwards for a kegiatan recorded after it took place, one day of it at a time."""
    days = days_of(starts_at, ends_at, zone)
    if day.isoformat() not in days:
        raise ParticipationError("day", f"the kegiatan ran from {days[0]} to {days[-1]}")
    _check_people(participant, people, seats)
    at = max(starts_at, dt.datetime.combine(day, dt.time(), regions.ZONES[zone]).astimezone(dt.UTC))
    if day.isoformat() in (participant.get("attendance") or {}):
        return None, at
    entry = {"at": at, "by": by, "people": people, "method": "manual", "recorded_at": now}
    changes = {"status": "checked_in", f"attendance.{day.isoformat()}": entry}
    if participant.get("checked_in_at") is None:
        changes["checked_in_at"] = at
    return changes, at


def present_every_day(participant: Mapping[str, Any], days: Sequence[str]) -> bool:
    """A certificate of attendance is earned by being present on every day of the training."""
    return attendance.present_every_day(participant.get("attendance"), days)


def day_of(now: dt.datetime, zone: str, starts_at: dt.datetime | None = None,
           ends_at: dt.datetime | None = None) -> str:
    """The day a check-in at ``now`` counts for, in the venue's zone: today, or — for one made in
    the hours before the first day (a start just after midnight) or after the last — the nearest
    day of the kegiatan."""
    tz = regions.ZONES[zone]
    today = now.astimezone(tz).date()
    if starts_at is not None and ends_at is not None:
        today = min(max(today, starts_at.astimezone(tz).date()), ends_at.astimezone(tz).date())
    return today.isoformat()


def effective_status(participant: Mapping[str, Any], kegiatan_status: str) -> str:
    """no_show is what a participant never checked in is once the kegiatan is completed."""
    if kegiatan_status == "completed" and participant["status"] != "checked_in":
        return "no_show"
    return participant["status"]
