"""Use cases of a participant: an answer (by the invitee's own link, or received by phone or letter
and recorded by staff), and at the door a check-in (by the QR code's token or a pick from the name
search, once per day) and a walk-in. Each change and its event are one write of the participant;
the relay publishes the event."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from services.events import changes
from services.events.adapters.store import KegiatanRepository, ParticipantRepository, RegistryCopy
from services.events.domain import kegiatan as kegiatan_domain
from services.events.domain import participation
from services.events.domain.participation import InvalidToken, ParticipationError
from shared import errors
from shared.auth import Principal
from shared.outbox import OutboxRelay


def now_ms() -> dt.datetime:
    """Now, at the millisecond the database keeps, so an answer and a later read agree."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def present(doc: dict[str, Any]) -> None:
    if doc["status"] not in ("published", "rescheduled", "ongoing"):
        raise errors.Conflict(f"check-in is for a published or ongoing kegiatan; this one is {doc['status']}",
                              current_status=doc["status"])


def problem(e: ParticipationError) -> errors.Problem:
    cls = errors.Conflict if e.status == 409 else errors.Invalid
    return cls(str(e), errors=[{"field": e.field, "message": e.message}])


@dataclasses.dataclass(frozen=True)
class CheckedIn:
    participant_id: str
    name: str
    already: bool
    message: str
    day: str
    at: dt.datetime
    people: int


async def check_in(participants: ParticipantRepository, relay: OutboxRelay, secret: bytes, principal: Principal,
                   doc: dict[str, Any], *, token: str | None, participant_id: str | None,
                   people: int | None) -> CheckedIn:
    """One scan — of the check-in QR code (a signed token) or of the letter's (its short link).
    Idempotent per day: a second scan answers when the participant arrived."""
    kegiatan_id = doc["_id"]
    if (token is None) == (participant_id is None):
        raise errors.Invalid("send either the scanned token or the participant_id",
                             errors=[{"field": "token", "message": "exactly one of token, participant_id"}])
    now = now_ms()
    if token is not None and (short := changes.SHORT_IN_SCAN.search(token.strip())):
        # the letter's QR code: its short RSVP link (``/r/<code>``), which names the participant
        p = await participants.by_link(short.group(1))
        if p is None or p["kegiatan_id"] != kegiatan_id:
            raise errors.Invalid("this QR code cannot be used here: it is not an invitation to this kegiatan",
                                 errors=[{"field": "token", "message": "not an invitation to this kegiatan"}])
        pid, method = p["_id"], "qr"
    elif token is not None:
        try:
            pid = participation.verify(secret, token, purpose="checkin", kegiatan_id=kegiatan_id, now=now)
        except InvalidToken as e:
            raise errors.Invalid(f"this QR code cannot be used here: {e}",
                                 errors=[{"field": "token", "message": str(e)}]) from None
        method = "qr"
    else:
        pid = participant_id
        if not pid.startswith(f"{kegiatan_id}:"):
            raise errors.NotFound("no such participant in this kegiatan")
        method = "search"
    present(doc)
    for _ in range(5):  # a concurrent RSVP or scan moved the version: read again
        p = await participants.get(pid)
        if p is None:
            raise errors.NotFound("no such participant in this kegiatan")
        n = people or (len(p.get("delegates") or []) if p.get("attending") else 0) or 1
        try:
            changes_, message = participation.check_in(
                p, now=now, starts_at=doc["starts_at"], ends_at=doc["ends_at"], by=principal.subject,
                zone=doc["venue"]["zone"], people=n, method=method, seats=p.get("seats"))
        except ParticipationError as e:
            raise problem(e) from None
        day = participation.day_of(now, doc["venue"]["zone"], doc["starts_at"], doc["ends_at"])
        if changes_ is None:
            entry = p["attendance"][day]
            return CheckedIn(pid, p["name"], True, message, day, entry["at"], entry.get("people", 1))
        after = {**p, "version": p["version"] + 1}
        event = changes.participation_event("checked_in", after, doc, {
            "day": day, "at": changes.domain._iso(now), "people": n, "method": method})
        new = await participants.change(pid, p["version"], changes_,
                                        {"at": now, "by": principal.subject, "action": "checked_in", "day": day}, [event])
        if new is not None:
            relay.wake("participants", pid)
            return CheckedIn(pid, p["name"], False, message, day, now, n)
    raise errors.StaleVersion("the participant is being changed by someone else; scan again")


async def walk_in(participants: ParticipantRepository, copy: RegistryCopy, relay: OutboxRelay, principal: Principal,
                  doc: dict[str, Any], *, name: str, institution: str | None, ormas_id: str | None,
                  people: int) -> dict[str, Any]:
    """Someone who came without an invitation (or whose ormas was not invited), recorded present."""
    kegiatan_id = doc["_id"]
    present(doc)
    now = now_ms()
    if ormas_id is not None:
        if f"{kegiatan_id}:{ormas_id}" in {p["_id"] for p in await participants.of(kegiatan_id, {"_id": 1})}:
            raise errors.Conflict("this ormas is invited: check it in instead of recording a walk-in")
        if not (await copy.by_ids([ormas_id])):
            raise errors.Invalid("unknown ormas", errors=[{"field": "ormas_id", "message": "not in the registry"}])
    p = _walk_in_doc(kegiatan_id, name=name, institution=institution, ormas_id=ormas_id, people=people, now=now)
    try:
        changes_, _ = participation.check_in(p, now=now, starts_at=doc["starts_at"], ends_at=doc["ends_at"],
                                             by=principal.subject, zone=doc["venue"]["zone"], people=people,
                                             method="walk_in", seats=people)
    except ParticipationError as e:
        raise problem(e) from None
    day = participation.day_of(now, doc["venue"]["zone"], doc["starts_at"], doc["ends_at"])
    return await _insert_present(participants, relay, doc, p, changes_, day,
                                 {"at": now, "by": principal.subject, "action": "walk_in", "day": day},
                                 {"day": day, "at": changes.domain._iso(now), "people": people, "method": "walk_in"})


def _walk_in_doc(kegiatan_id: str, *, name: str, institution: str | None, ormas_id: str | None, people: int,
                 now: dt.datetime) -> dict[str, Any]:
    """Someone who came without an invitation, as a participant not written yet (version 0)."""
    return {"_id": f"{kegiatan_id}:w-{uuid.uuid4().hex[:12]}", "kegiatan_id": kegiatan_id, "kind": "walk_in",
            "ormas_id": ormas_id, "name": " ".join(name.split()), "region": None,
            "recipient": {"name": name, "institution": institution, "email": None, "phone": None, "whatsapp": None},
            "seats": people, "status": "invited", "attending": True, "delegates": [], "attendance": {},
            "checked_in_at": None, "version": 0, "created_at": now, "history": []}


async def _insert_present(participants: ParticipantRepository, relay: OutboxRelay, doc: dict[str, Any],
                          p: dict[str, Any], changes_: dict[str, Any], day: str, history: dict[str, Any],
                          event_change: dict[str, Any]) -> dict[str, Any]:
    """A new participant present on ``day``, with its ``checked_in`` event, in one insert."""
    p.update({k: v for k, v in changes_.items() if not k.startswith("attendance.")})
    p["attendance"], p["version"], p["history"] = {day: changes_[f"attendance.{day}"]}, 1, [history]
    await participants.insert_ids([{**p, "_outbox": [changes.participation_event("checked_in", p, doc, event_change)]}])
    relay.wake("participants", p["_id"])
    return p


VIA = ("telepon", "surat", "langsung", "whatsapp", "lainnya")  # how an answer recorded by staff arrived


def _seat_key(pid: str) -> str:
    return pid.split(":", 1)[1]


async def answer(kegiatan: KegiatanRepository, participants: ParticipantRepository, relay: OutboxRelay,
                 k: dict[str, Any], p: dict[str, Any], response: participation.Response, *, by: str,
                 via: str | None = None) -> dict[str, Any]:
    """An RSVP (``by="rsvp"``), or an answer received by ``via`` and recorded by staff (``by`` their
    name): staff may record one until the kegiatan starts, after the invitees' own cut-off.

    With a capacity, the seats an answer takes are claimed first (``KegiatanRepository.claim_seats``):
    a first "attending" that finds the room full goes on the waiting list; a larger delegation than
    the room has left is refused; seats given back seat the waiting list, first come first."""
    if k["status"] not in ("published", "rescheduled"):
        raise errors.Conflict("Kegiatan ini tidak lagi menerima konfirmasi (the kegiatan no longer takes answers).",
                              current_status=k["status"])
    now = dt.datetime.now(dt.UTC)
    cutoff = kegiatan_domain.rsvp_cutoff(k) if via is None else k["starts_at"]
    capacity = k.get("capacity")
    for _ in range(5):
        try:
            fields = participation.respond(p, response, seats=p.get("seats", 1), cutoff=cutoff, now=now)
        except ParticipationError as e:
            raise problem(e) from None
        fields["recorded_by"] = {"by": by, "via": via, "at": now} if via else None
        fields["waitlist"] = None
        freed = False
        if capacity:
            key = _seat_key(p["_id"])
            held = await kegiatan.seats_held(k["_id"], key)
            want = len(fields["delegates"])
            if want != held and not await kegiatan.claim_seats(k["_id"], key, held, want, capacity):
                if held:
                    raise errors.Conflict("the room has fewer seats left than this delegation; name fewer delegates",
                                          errors=[{"field": "delegates", "message": "not enough seats left"}])
                fields.update(status="waitlisted", attending=None, waitlist={"delegates": fields["delegates"], "at": now},
                              delegates=[])
            freed = want < held
        change = {"attending": response.attending, "delegates": len(fields["delegates"]),
                  "reason": fields["decline_reason"], "at": kegiatan_domain._iso(now)}
        if fields.get("waitlist"):
            change.update(delegates=len(fields["waitlist"]["delegates"]), waitlisted=True)
        if via:
            change["recorded_via"] = via
        after = {**p, "version": p["version"] + 1}
        history = {"at": now, "by": by, "action": "waitlisted" if fields.get("waitlist") else "responded",
                   "attending": fields["attending"]}
        if via:
            history["via"] = via
        new = await participants.change(p["_id"], p["version"], fields, history,
                                        [changes.participation_event("responded", after, k, change)])
        if new is not None:
            relay.wake("participants", p["_id"])
            if freed:
                await seat_waiting(kegiatan, participants, relay, k)
            return new
        p = await participants.get(p["_id"])
        if p is None:
            raise errors.NotFound("no such participant in this kegiatan")
    raise errors.StaleVersion("the answer changed meanwhile; reload and retry")


async def seat_waiting(kegiatan: KegiatanRepository, participants: ParticipantRepository, relay: OutboxRelay,
                       k: dict[str, Any]) -> int:
    """Seats the waiting list, first come first, as far as the room allows (a smaller delegation
    further down takes a gap a larger one cannot); returns how many were seated."""
    seated = 0
    for p in await participants.waiting(k["_id"]):
        delegates = p["waitlist"]["delegates"]
        key = _seat_key(p["_id"])
        if not await kegiatan.claim_seats(k["_id"], key, 0, len(delegates), k["capacity"]):
            continue
        now = dt.datetime.now(dt.UTC)
        fields = {"status": "responded", "attending": True, "delegates": delegates, "waitlist": None, "responded_at": now}
        after = {**p, "version": p["version"] + 1}
        event = changes.participation_event("responded", after, k, {
            "attending": True, "delegates": len(delegates), "reason": None, "at": kegiatan_domain._iso(now),
            "from_waitlist": True})
        if await participants.change(p["_id"], p["version"], fields, {"at": now, "by": "waitlist", "action": "seated"},
                                     [event]) is None:
            await kegiatan.claim_seats(k["_id"], key, len(delegates), 0, k["capacity"])  # it moved: give the seats back
            continue
        relay.wake("participants", p["_id"])
        seated += 1
    return seated


async def record_attendance(participants: ParticipantRepository, copy: RegistryCopy, relay: OutboxRelay,
                            principal: Principal, doc: dict[str, Any], *, day: dt.date, people: int,
                            participant_id: str | None = None, name: str | None = None,
                            institution: str | None = None) -> tuple[dict[str, Any], bool]:
    """Attendance entered by hand for a kegiatan recorded after it took place: one participant's
    day (True when it was recorded already), or someone who came uninvited, by name."""
    if not doc.get("recorded") or doc["status"] != "ongoing":
        raise errors.Conflict("attendance is entered by hand for a recorded kegiatan, before it is completed; "
                              "at the door it is checked in", current_status=doc["status"])
    now = now_ms()
    if participant_id is None:
        if not (name or "").strip():
            raise errors.Invalid("name the participant", errors=[{"field": "name", "message": "required"}])
        p = _walk_in_doc(doc["_id"], name=name, institution=institution, ormas_id=None, people=people, now=now)
    else:
        p = await participants.get(participant_id) if participant_id.startswith(f"{doc['_id']}:") else None
        if p is None:
            raise errors.NotFound("no such participant in this kegiatan")
    for _ in range(5):
        try:
            changes_, at = participation.record_present(
                p, day=day, starts_at=doc["starts_at"], ends_at=doc["ends_at"], zone=doc["venue"]["zone"],
                by=principal.subject, people=people, seats=p.get("seats"), now=now)
        except ParticipationError as e:
            raise problem(e) from None
        if changes_ is None:
            return p, True
        event_change = {"day": day.isoformat(), "at": changes.domain._iso(at), "people": people, "method": "manual"}
        history = {"at": now, "by": principal.subject, "action": "attendance_recorded", "day": day.isoformat()}
        if p["version"] == 0:  # someone uninvited: the participant and its attendance in one insert
            return await _insert_present(participants, relay, doc, p, changes_, day.isoformat(), history,
                                         event_change), False
        after = {**p, "version": p["version"] + 1}
        new = await participants.change(p["_id"], p["version"], changes_, history,
                                        [changes.participation_event("checked_in", after, doc, event_change)])
        if new is not None:
            relay.wake("participants", p["_id"])
            return new, False
        p = await participants.get(p["_id"])
    raise errors.StaleVersion("the participant is being changed by someone else; try again")
