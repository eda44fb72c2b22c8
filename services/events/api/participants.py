"""Participants of a kegiatan: the list (phones masked), check-in by QR token or by name, walk-ins,
and the attendance summary per day."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from services.events.application import participants as use
from services.events.application.kegiatan import visible, writable
from services.events.deps import Copy, Current, KegiatanStore, Participants, Relay, Secret, Writer
from services.events.domain import participation
from shared import attendance as certificates
from shared import errors
from shared.masking import mask_phone
from shared.text import Input

router = APIRouter(tags=["participants"])


class ParticipantOut(BaseModel):
    id: str
    kind: str
    ormas_id: str | None
    name: str
    region: str | None
    email: str | None
    phone: str | None = Field(description="masked")
    whatsapp: str | None = Field(description="masked")
    seats: int
    status: str
    attending: bool | None
    delegates: list[str]
    decline_reason: str | None
    attendance: dict[str, dict[str, Any]]
    checked_in_at: dt.datetime | None
    recorded_by: dict[str, Any] | None = Field(default=None, description="an answer received by phone or letter: who recorded it, how, when")
    waitlist: dict[str, Any] | None = Field(default=None, description="attending but waiting for a seat: the delegates and since when")


class ParticipantPage(BaseModel):
    items: list[ParticipantOut]
    total: int


class CheckInIn(Input):
    token: str | None = Field(default=None, max_length=500,
                              description="the scanned QR code: the check-in token, or the letter's short RSVP link")
    participant_id: str | None = Field(default=None, max_length=200, description="found by name on the check-in page")
    people: int | None = Field(default=None, ge=1, le=50, description="delegates present (default: those announced, or 1)")


class CheckInOut(BaseModel):
    participant_id: str
    name: str
    already: bool = Field(description="true when this participant was checked in today already")
    message: str
    day: str
    at: dt.datetime
    people: int


class AnswerIn(Input):
    multiline = frozenset({"reason"})
    attending: bool
    delegates: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(default_factory=list, max_length=50)
    reason: str | None = Field(default=None, max_length=1000, description="why not, when declining")
    via: Literal[use.VIA] = Field(description="how the answer reached the office")  # type: ignore[valid-type]


class AttendanceIn(Input):
    """One participant's day, or someone who came uninvited (``name``), entered afterwards."""

    participant_id: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    institution: str | None = Field(default=None, max_length=200)
    day: dt.date = Field(description="the day of the kegiatan, in its venue's zone")
    people: int = Field(default=1, ge=1, le=50)


class WalkInIn(Input):
    name: str = Field(min_length=1, max_length=200)
    institution: str | None = Field(default=None, max_length=200)
    ormas_id: str | None = Field(default=None, max_length=100)
    people: int = Field(default=1, ge=1, le=50)


class AttendanceOut(BaseModel):
    invited: int
    ormas_invited: int
    guests_invited: int
    responded: int
    attending: int
    declined: int
    not_answered: int
    delegates_announced: int
    checked_in: int
    walk_ins: int
    no_show: int
    by_day: dict[str, dict[str, int]] = Field(description="per day in the venue's zone: participants and people present")
    capacity: int | None
    seats_taken: int = Field(default=0, description="seats held by attending delegations (with a capacity)")
    waitlisted: int = Field(default=0, description="attending, waiting for a seat")


def participant_out(p: dict[str, Any], kegiatan_status: str) -> ParticipantOut:
    r = p.get("recipient") or {}
    return ParticipantOut(
        id=p["_id"], kind=p["kind"], ormas_id=p.get("ormas_id"), name=p["name"], region=p.get("region"),
        email=r.get("email"), phone=mask_phone(r.get("phone")), whatsapp=mask_phone(r.get("whatsapp")),
        seats=p.get("seats", 1), status=participation.effective_status(p, kegiatan_status), attending=p.get("attending"),
        delegates=p.get("delegates") or [], decline_reason=p.get("decline_reason"),
        attendance={d: {"at": a["at"], "people": a.get("people", 1), "method": a.get("method")}
                    for d, a in (p.get("attendance") or {}).items()},
        checked_in_at=p.get("checked_in_at"), recorded_by=p.get("recorded_by"), waitlist=p.get("waitlist"))




@router.get("/kegiatan/{kegiatan_id}/participants", response_model=ParticipantPage)
async def list_participants(kegiatan_id: str, principal: Current, kegiatan: KegiatanStore, participants: Participants,
                            q: str | None = Query(default=None, max_length=100, description="words of the name or a delegate's"),
                            status: Literal["invited", "responded", "waitlisted", "checked_in", "no_show"] | None = None,
                            offset: int = Query(default=0, ge=0), limit: int = Query(default=100, ge=1, le=500)) -> ParticipantPage:
    doc = await visible(kegiatan, principal, kegiatan_id)
    ps = await participants.of(kegiatan_id)
    items = [participant_out(p, doc["status"]) for p in ps]
    if q:
        words = q.lower().split()
        items = [i for i in items if all(w in " ".join([i.name, *i.delegates]).lower() for w in words)]
    if status:
        items = [i for i in items if i.status == status]
    items.sort(key=lambda i: (i.name.lower(), i.id))
    return ParticipantPage(items=items[offset:offset + limit], total=len(items))


@router.get("/kegiatan/{kegiatan_id}/participants/{participant_id}", response_model=ParticipantOut)
async def get_participant(kegiatan_id: str, participant_id: str, principal: Current, kegiatan: KegiatanStore,
                          participants: Participants) -> ParticipantOut:
    doc = await visible(kegiatan, principal, kegiatan_id)
    p = await participants.get(participant_id) if participant_id.startswith(f"{kegiatan_id}:") else None
    if p is None:
        raise errors.NotFound("no such participant in this kegiatan")
    return participant_out(p, doc["status"])


@router.post("/kegiatan/{kegiatan_id}/participants/{participant_id}/answer", response_model=ParticipantOut)
async def record_answer(kegiatan_id: str, participant_id: str, body: AnswerIn, principal: Writer,
                        kegiatan: KegiatanStore, participants: Participants, relay: Relay) -> ParticipantOut:
    """An answer received by phone, letter or in person, recorded by staff (marked with who, how
    and when); taken until the kegiatan starts. A later answer, by anyone, replaces it."""
    doc, _ = await writable(kegiatan, principal, kegiatan_id, None)
    p = await participants.get(participant_id) if participant_id.startswith(f"{kegiatan_id}:") else None
    if p is None or p["kind"] == "walk_in":
        raise errors.NotFound("no such invitee in this kegiatan")
    new = await use.answer(kegiatan, participants, relay, doc, p, participation.Response(
        attending=body.attending, delegates=body.delegates, reason=body.reason), by=principal.subject, via=body.via)
    return participant_out(new, doc["status"])


@router.post("/kegiatan/{kegiatan_id}/recorded-attendance", response_model=ParticipantOut)
async def record_attendance(kegiatan_id: str, body: AttendanceIn, response: Response, principal: Writer,
                            kegiatan: KegiatanStore, participants: Participants, copy: Copy,
                            relay: Relay) -> ParticipantOut:
    """For a kegiatan recorded after it took place: a participant's presence on one of its days,
    entered by hand (201 when new, 200 when that day was recorded already), or someone who came
    uninvited, by name."""
    if (body.participant_id is None) == (body.name is None):
        raise errors.Invalid("send either participant_id or name",
                             errors=[{"field": "participant_id", "message": "exactly one of participant_id, name"}])
    doc, _ = await writable(kegiatan, principal, kegiatan_id, None)
    p, already = await use.record_attendance(participants, copy, relay, principal, doc, day=body.day, people=body.people,
                                             participant_id=body.participant_id, name=body.name,
                                             institution=body.institution)
    response.status_code = 200 if already else 201
    return participant_out(p, doc["status"])


@router.post("/kegiatan/{kegiatan_id}/check-ins", response_model=CheckInOut)
async def check_in(kegiatan_id: str, body: CheckInIn, principal: Writer, kegiatan: KegiatanStore,
                   participants: Participants, relay: Relay, secret: Secret) -> CheckInOut:
    """One scan of a participant's QR code (or a pick from the name search). Idempotent per day:
    a second scan answers when the participant arrived ("Sudah hadir pukul 08.05 WIB")."""
    doc, _ = await writable(kegiatan, principal, kegiatan_id, None)
    done = await use.check_in(participants, relay, secret, principal, doc, token=body.token,
                              participant_id=body.participant_id, people=body.people)
    return CheckInOut(**dataclasses.asdict(done))


@router.post("/kegiatan/{kegiatan_id}/walk-ins", status_code=201, response_model=ParticipantOut)
async def walk_in(kegiatan_id: str, body: WalkInIn, principal: Writer, kegiatan: KegiatanStore,
                  participants: Participants, copy: Copy, relay: Relay) -> ParticipantOut:
    """Someone who came without an invitation (or whose ormas was not invited), recorded present."""
    doc, _ = await writable(kegiatan, principal, kegiatan_id, None)
    p = await use.walk_in(participants, copy, relay, principal, doc, name=body.name, institution=body.institution,
                          ormas_id=body.ormas_id, people=body.people)
    return participant_out(p, doc["status"])


class CertifiedOut(BaseModel):
    id: str
    name: str
    institution: str | None
    number: str = Field(description="the certificate's number: the kegiatan's letter number and the participant's place")


class CertifiedPage(BaseModel):
    available: bool = Field(description="false until the kegiatan is a completed training")
    items: list[CertifiedOut]


@router.get("/kegiatan/{kegiatan_id}/certificates", response_model=CertifiedPage)
async def certified(kegiatan_id: str, principal: Current, kegiatan: KegiatanStore,
                    participants: Participants) -> CertifiedPage:
    """Who earns a certificate of attendance: the participants of a completed training present on
    every one of its days (in its venue's zone), by name."""
    doc = await visible(kegiatan, principal, kegiatan_id)
    if not certificates.earns(doc["type"], doc["status"]):
        return CertifiedPage(available=False, items=[])
    days = certificates.days_of(doc["starts_at"], doc["ends_at"], doc["venue"]["zone"])
    ps = sorted((p for p in await participants.of(kegiatan_id) if participation.present_every_day(p, days)),
                key=lambda p: (p["name"].lower(), p["_id"]))
    letter_number = (doc.get("letter") or {}).get("number")
    return CertifiedPage(available=True, items=[
        CertifiedOut(id=p["_id"], name=p["name"], institution=(p.get("recipient") or {}).get("institution"),
                     number=certificates.certificate_number(letter_number, kegiatan_id, p["_id"])) for p in ps])


@router.get("/kegiatan/{kegiatan_id}/attendance", response_model=AttendanceOut)
async def attendance(kegiatan_id: str, principal: Current, kegiatan: KegiatanStore,
                     participants: Participants) -> AttendanceOut:
    doc = await visible(kegiatan, principal, kegiatan_id)
    ps = await participants.of(kegiatan_id)
    invited = [p for p in ps if p["kind"] != "walk_in"]
    by_day: dict[str, dict[str, int]] = {}
    for p in ps:
        for day, a in (p.get("attendance") or {}).items():
            d = by_day.setdefault(day, {"participants": 0, "people": 0})
            d["participants"] += 1
            d["people"] += a.get("people", 1)
    checked = sum(1 for p in invited if p["status"] == "checked_in")
    return AttendanceOut(
        invited=len(invited), ormas_invited=sum(1 for p in invited if p["kind"] == "ormas"),
        guests_invited=sum(1 for p in invited if p["kind"] == "guest"),
        responded=sum(1 for p in invited if p.get("attending") is not None),
        attending=sum(1 for p in invited if p.get("attending") is True),
        declined=sum(1 for p in invited if p.get("attending") is False),
        not_answered=sum(1 for p in invited if p.get("attending") is None),
        delegates_announced=sum(len(p.get("delegates") or []) for p in invited),
        checked_in=checked, walk_ins=len(ps) - len(invited),
        no_show=len(invited) - checked if doc["status"] == "completed" else 0,
        by_day=dict(sorted(by_day.items())), capacity=doc.get("capacity"), seats_taken=doc.get("seats_taken") or 0,
        waitlisted=sum(1 for p in invited if p["status"] == "waitlisted"))
