"""Kegiatan over HTTP: parse, call one use case (``services/events/application/kegiatan.py``),
shape the answer. Participants and check-in are in ``participants.py``, outcomes in
``outcomes.py``, the public RSVP pages in ``public.py``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from pydantic import AwareDatetime, BaseModel, Field

from services.events.application import kegiatan as use
from services.events.deps import AllPorts, Copy, Current, KegiatanStore, Offices, Writer
from services.events.domain import kegiatan as domain
from shared import masking
from shared.auth import check_region
from shared.text import Input
from shared.web import Unprocessable, check_if_match, set_etag

router = APIRouter(tags=["kegiatan"])
Type = Literal[domain.TYPES]  # type: ignore[valid-type]
Status = Literal[domain.STATUSES]  # type: ignore[valid-type]
Name = Annotated[str, Field(min_length=1, max_length=200)]
MAX_EXPLICIT = 50_000


class Speaker(Input):
    name: Name
    position: str | None = Field(default=None, max_length=200)
    institution: str | None = Field(default=None, max_length=200)


class AgendaItem(Input):
    title: str = Field(min_length=1, max_length=300)
    time: str | None = Field(default=None, max_length=20, examples=["08.00-09.00"])
    day: int | None = Field(default=None, ge=1, le=31)


class Letter(Input):
    """The invitation letter: nomor, sifat, lampiran, perihal, and who signs it."""

    number: str | None = Field(default=None, max_length=100, examples=["005/123/423.202/2018"])
    nature: str | None = Field(default=None, max_length=50, examples=["Penting"])
    attachment: str | None = Field(default=None, max_length=50, examples=["-"])
    subject: str | None = Field(default=None, max_length=300, examples=["Undangan"])
    signatory_name: str | None = Field(default=None, max_length=200)
    signatory_title: str | None = Field(default=None, max_length=200)
    signatory_nip: str | None = Field(default=None, pattern=r"^[0-9]{18}$")
    place: str | None = Field(default=None, max_length=100)
    date: dt.date | None = None


class KegiatanFields(Input):
    multiline = frozenset({"theme"})
    theme: str | None = Field(default=None, max_length=500)
    venue_address: str | None = Field(default=None, max_length=300)
    seats_per_ormas: int = Field(default=1, ge=1, le=50)
    capacity: int | None = Field(default=None, ge=1, le=1_000_000)
    speakers: list[Speaker] = Field(default_factory=list, max_length=50)
    agenda: list[AgendaItem] = Field(default_factory=list, max_length=100)
    letter: Letter | None = None
    rsvp_cutoff: AwareDatetime | None = None
    organiser_address: str | None = Field(default=None, max_length=300)


class KegiatanIn(KegiatanFields):
    title: str = Field(min_length=1, max_length=300, examples=["Fasilitasi Pemberdayaan Ormas dan LSM"])
    type: Type
    region: str | None = Field(default=None, max_length=13, description="the organising office (default: yours)")
    venue_name: str = Field(min_length=1, max_length=200)
    venue_region: str = Field(min_length=2, max_length=13, description="where it takes place (its time zone)")
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class KegiatanPatch(Input):
    multiline = frozenset({"theme"})
    title: str | None = Field(default=None, min_length=1, max_length=300)
    type: Type | None = None
    theme: str | None = Field(default=None, max_length=500)
    venue_name: str | None = Field(default=None, min_length=1, max_length=200)
    venue_region: str | None = Field(default=None, min_length=2, max_length=13)
    venue_address: str | None = Field(default=None, max_length=300)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    seats_per_ormas: int | None = Field(default=None, ge=1, le=50)
    capacity: int | None = Field(default=None, ge=1, le=1_000_000)
    speakers: list[Speaker] | None = Field(default=None, max_length=50)
    agenda: list[AgendaItem] | None = Field(default=None, max_length=100)
    letter: Letter | None = None
    rsvp_cutoff: AwareDatetime | None = None


class KegiatanOut(BaseModel):
    id: str
    version: int
    title: str
    type: str
    theme: str | None
    region: str
    organiser: dict[str, Any]
    venue: dict[str, Any]
    starts_at: dt.datetime
    ends_at: dt.datetime
    seats_per_ormas: int
    capacity: int | None
    speakers: list[dict[str, Any]]
    agenda: list[dict[str, Any]]
    letter: dict[str, Any] | None
    rsvp_cutoff: dt.datetime
    status: str
    allowed_actions: list[str]
    recorded: bool = Field(default=False, description="recorded after it took place: no letters, attendance by hand")
    targeting: dict[str, Any] | None
    guests: list[dict[str, Any]]
    invited: int
    fanout: dict[str, Any] | None
    minutes: str | None
    aspirations: list[dict[str, Any]]
    created_at: dt.datetime
    updated_at: dt.datetime | None


class Page(BaseModel):
    items: list[KegiatanOut]
    next_cursor: str | None


class RuleIn(Input):
    region: str | None = Field(default=None, max_length=13, description="default: the organising office's region")
    kinds: list[Literal["ormas", "lsm", "okp", "profesi", "keagamaan", "asing"]] = Field(default_factory=list, max_length=6)
    bidang: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(default_factory=list, max_length=20)
    legal_forms: list[Literal["perkumpulan", "yayasan", "tidak_berbadan_hukum"]] = Field(default_factory=list, max_length=3)
    valid_skt_on: dt.date | None = Field(default=None, description="only ormas registered with an SKT valid that day")
    exclude_suspended: bool = True


class GuestIn(Input):
    name: Name
    role: Literal["official", "speaker", "press", "other"] = "official"
    position: str | None = Field(default=None, max_length=200)
    institution: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$")
    whatsapp: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$")


class InviteesIn(Input):
    """Who is invited: a rule resolved on the registry copy, an explicit list of ormas, guests."""

    rule: RuleIn | None = None
    ormas_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list, max_length=MAX_EXPLICIT)
    guests: list[GuestIn] = Field(default_factory=list, max_length=500)


class InviteesOut(BaseModel):
    frozen: bool
    count: int
    ormas: int
    guests: int
    sample: list[dict[str, Any]] = Field(description="the first 50 ormas, by name")
    channels: dict[str, int] | None = Field(
        default=None, description="letters by channel (email, whatsapp, sms) and recipients with no contact (none)")


class TransitionIn(Input):
    multiline = frozenset({"reason"})
    action: Literal[tuple(domain.TRANSITIONS)]  # type: ignore[valid-type]
    reason: str | None = Field(default=None, max_length=2000)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None



_etag = set_etag


def _if_match(value: str | None, current: int) -> int:
    return check_if_match(value, current, "kegiatan")


def out(doc: dict[str, Any], role: str = "operator") -> KegiatanOut:
    """``role``: the reader's; guests' contacts are masked for read-only roles (shared.masking)."""
    return KegiatanOut(
        id=doc["_id"], version=doc["version"], title=doc["title"], type=doc["type"], theme=doc.get("theme"),
        region=doc["region"], organiser=doc["organiser"], venue=doc["venue"], starts_at=doc["starts_at"],
        ends_at=doc["ends_at"], seats_per_ormas=doc["seats_per_ormas"], capacity=doc.get("capacity"),
        speakers=doc.get("speakers") or [], agenda=doc.get("agenda") or [], letter=doc.get("letter"),
        rsvp_cutoff=domain.rsvp_cutoff(doc), status=doc["status"],
        allowed_actions=domain.allowed(doc, dt.datetime.now(dt.UTC)), recorded=bool(doc.get("recorded")),
        targeting=doc.get("targeting"), guests=[masking.contacts_for(role, g) for g in doc.get("guests") or []],
        invited=doc.get("invited_count") or 0,
        fanout={k: v for k, v in (doc.get("fanout") or {}).items() if k != "run"} or None,
        minutes=doc.get("minutes"), aspirations=[domain.public_aspiration(a) for a in doc.get("aspirations") or []],
        created_at=doc["created_at"], updated_at=doc.get("updated_at"))


def _letter(letter: Letter | None) -> dict[str, Any] | None:
    if letter is None:
        return None
    data = letter.model_dump()
    data["date"] = letter.date.isoformat() if letter.date else None
    return data


@router.post("/kegiatan", status_code=201, response_model=KegiatanOut)
async def create_kegiatan(body: KegiatanIn, response: Response, principal: Writer, kegiatan: KegiatanStore,
                          offices: Offices) -> KegiatanOut:
    data = body.model_dump(mode="python", exclude={"letter"})
    data["letter"] = _letter(body.letter)
    doc = await use.create(kegiatan, offices, principal, data)
    response.headers["Location"] = f"/kegiatan/{doc['_id']}"
    _etag(response, doc)
    return out(doc)


@router.get("/kegiatan", response_model=Page)
async def list_kegiatan(principal: Current, kegiatan: KegiatanStore,
                        region: str | None = Query(default=None, max_length=13),
                        status: Status | None = None, limit: int = Query(default=50, ge=1, le=200),
                        cursor: str | None = Query(default=None, max_length=200)) -> Page:
    if region is not None:
        check_region(principal, region)
    after = None
    if cursor:
        try:
            when, _, kid = cursor.partition("|")
            after = (dt.datetime.fromisoformat(when), kid)
        except ValueError:
            raise Unprocessable("invalid cursor", errors=[{"field": "cursor", "message": "invalid"}]) from None
    docs = await kegiatan.list(scope=principal.region, region=region, status=status, limit=limit + 1, after=after)
    more = len(docs) > limit
    docs = docs[:limit]
    nxt = f"{docs[-1]['starts_at'].isoformat()}|{docs[-1]['_id']}" if more else None
    return Page(items=[out(d, principal.role) for d in docs], next_cursor=nxt)


@router.get("/kegiatan/{kegiatan_id}", response_model=KegiatanOut)
async def get_kegiatan(kegiatan_id: str, response: Response, principal: Current, kegiatan: KegiatanStore) -> KegiatanOut:
    doc = await use.visible(kegiatan, principal, kegiatan_id)
    _etag(response, doc)
    return out(doc, principal.role)


@router.patch("/kegiatan/{kegiatan_id}", response_model=KegiatanOut)
async def update_kegiatan(kegiatan_id: str, body: KegiatanPatch, response: Response, principal: Writer,
                          kegiatan: KegiatanStore, if_match: str | None = Header(default=None)) -> KegiatanOut:
    """Edits a draft. Once published, times change only by rescheduling."""
    sent = body.model_dump(mode="python", exclude_unset=True)
    if "letter" in sent:
        sent["letter"] = _letter(body.letter)
    new = await use.update(kegiatan, principal, kegiatan_id, sent, if_match)
    _etag(response, new)
    return out(new)


def _invitees_out(found: use.Invitees) -> InviteesOut:
    named = sorted((found.copies[i] for i in found.ids if i in found.copies),
                   key=lambda c: (c.get("name") or "", c["_id"]))[:50]
    sample = [{"id": c["_id"], "name": c.get("name"), "kind": c.get("kind"), "region": c.get("region"),
               "status": c.get("status")} for c in named]
    return InviteesOut(frozen=found.frozen, count=len(found.ids) + found.guests, ormas=len(found.ids),
                       guests=found.guests, sample=sample, channels=found.channels)


@router.put("/kegiatan/{kegiatan_id}/invitees", response_model=InviteesOut)
async def set_invitees(kegiatan_id: str, body: InviteesIn, response: Response, principal: Writer,
                       kegiatan: KegiatanStore, copy: Copy, if_match: str | None = Header(default=None)) -> InviteesOut:
    """Sets a draft's targeting: a rule, an explicit list and guests. Resolved again at publish,
    then frozen."""
    new, found = await use.set_invitees(kegiatan, copy, principal, kegiatan_id,
                                        rule=body.rule.model_dump() if body.rule else None, ormas_ids=body.ormas_ids,
                                        guests=[g.model_dump() for g in body.guests], if_match=if_match)
    _etag(response, new)
    return _invitees_out(found)


@router.post("/kegiatan/{kegiatan_id}/invitees/preview", response_model=InviteesOut)
async def preview_invitees(kegiatan_id: str, body: InviteesIn, principal: Writer, kegiatan: KegiatanStore,
                           copy: Copy) -> InviteesOut:
    """Whom this targeting would invite now (count, the first names, letters by channel); nothing
    is written."""
    return _invitees_out(await use.preview_invitees(kegiatan, copy, principal, kegiatan_id,
                                                    rule=body.rule.model_dump() if body.rule else None,
                                                    ormas_ids=body.ormas_ids, guests=[g.model_dump() for g in body.guests]))


@router.get("/kegiatan/{kegiatan_id}/invitees", response_model=InviteesOut)
async def get_invitees(kegiatan_id: str, principal: Current, kegiatan: KegiatanStore, copy: Copy) -> InviteesOut:
    """A draft's targeting resolved now, or the list frozen at publish."""
    return _invitees_out(await use.invitees(kegiatan, copy, principal, kegiatan_id))


@router.post("/kegiatan/{kegiatan_id}/invitees", response_model=KegiatanOut)
async def add_invitees(kegiatan_id: str, body: InviteesIn, response: Response, principal: Writer, ports: AllPorts,
                       if_match: str | None = Header(default=None)) -> KegiatanOut:
    """After publish: explicit additions (ormas or guests) to the frozen list; each is invited."""
    if body.rule is not None:
        raise Unprocessable("after publish invitees are added by name, not by rule",
                            errors=[{"field": "rule", "message": "not allowed after publish"}])
    new = await use.add_invitees(ports, principal, kegiatan_id, ormas_ids=body.ormas_ids,
                                 guests=[g.model_dump() for g in body.guests], if_match=if_match)
    _etag(response, new)
    return out(new)


@router.post("/kegiatan/{kegiatan_id}/transitions", response_model=KegiatanOut)
async def transition(kegiatan_id: str, body: TransitionIn, response: Response, principal: Writer, ports: AllPorts,
                     if_match: str | None = Header(default=None)) -> KegiatanOut:
    """publish (freezes the invitee list and invites everyone on it), reschedule, start, complete,
    cancel; record (a kegiatan that already took place: its participants without letters, then
    their attendance by hand). An action not possible now answers 409 with the reachable statuses."""
    new = await use.transition(ports, principal, kegiatan_id, body.action, reason=body.reason,
                               starts_at=body.starts_at, ends_at=body.ends_at, if_match=if_match)
    _etag(response, new)
    return out(new)
