"""Events HTTP API for the office: kegiatan, their invitees, lifecycle, participants, check-in and
outcomes. The public RSVP pages are in ``public.py``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, Field

from services.events import changes
from services.events.domain import kegiatan as domain
from services.events.domain import targeting
from shared import masking, regions
from shared.text import Input
from shared.auth import Principal
from shared.web import (Conflict, NotFound, PreconditionFailed, Unprocessable, authenticated, check_if_match,
                        roles, set_etag)

router = APIRouter(tags=["kegiatan"])
current = authenticated(lambda request: request.app.state.runtime.verifier)
writer = roles(current, ("operator", "admin"))
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
        rsvp_cutoff=domain.rsvp_cutoff(doc), status=doc["status"], allowed_actions=domain.allowed(doc),
        targeting=doc.get("targeting"), guests=[masking.contacts_for(role, g) for g in doc.get("guests") or []],
        invited=doc.get("invited_count") or 0,
        fanout={k: v for k, v in (doc.get("fanout") or {}).items() if k != "run"} or None,
        minutes=doc.get("minutes"), aspirations=[domain.public_aspiration(a) for a in doc.get("aspirations") or []],
        created_at=doc["created_at"], updated_at=doc.get("updated_at"))


async def visible(request: Request, principal: Principal, kegiatan_id: str) -> dict[str, Any]:
    doc = await request.app.state.kegiatan.get(kegiatan_id)
    if doc is None or not principal.can_see(doc["region"]):
        raise NotFound("no such kegiatan")
    return doc


async def writable(request: Request, principal: Principal, kegiatan_id: str, if_match: str | None) -> tuple[dict, int]:
    doc = await visible(request, principal, kegiatan_id)
    if not principal.can_write(doc["region"]):
        raise NotFound("no such kegiatan")
    return doc, _if_match(if_match, doc["version"])


def _letter(letter: Letter | None) -> dict[str, Any] | None:
    if letter is None:
        return None
    data = letter.model_dump()
    data["date"] = letter.date.isoformat() if letter.date else None
    return data


def _details(body: dict[str, Any], region: str) -> dict[str, Any]:
    fields = domain.Details(
        title=body["title"], type=body["type"], region=region, venue_name=body["venue_name"],
        venue_region=body["venue_region"], starts_at=body["starts_at"], ends_at=body["ends_at"],
        seats_per_ormas=body.get("seats_per_ormas") or 1, capacity=body.get("capacity"), theme=body.get("theme"),
        venue_address=body.get("venue_address"), speakers=body.get("speakers") or [],
        agenda=body.get("agenda") or [], letter=body.get("letter")).normalised()
    domain.check_rsvp_cutoff(body.get("rsvp_cutoff"), fields["starts_at"])
    return fields


@router.post("/kegiatan", status_code=201, response_model=KegiatanOut)
async def create_kegiatan(body: KegiatanIn, request: Request, response: Response,
                          principal: Principal = Depends(writer)) -> KegiatanOut:
    region = principal.region if body.region is None else body.region
    if region and not regions.is_valid(region):
        raise Unprocessable(f"{region!r} is not a Kemendagri region code", errors=[{"field": "region", "message": "unknown"}])
    if not principal.can_write(region):
        raise NotFound(f"region {region} is outside your office's scope")
    data = body.model_dump(mode="python", exclude={"letter"})
    data["letter"] = _letter(body.letter)
    fields = _details(data, region)
    now = dt.datetime.now(dt.UTC)
    doc = {"_id": str(uuid.uuid4()), "version": 1, **fields, "status": "draft",
           "rsvp_cutoff": body.rsvp_cutoff.astimezone(dt.UTC) if body.rsvp_cutoff else None,
           "organiser": {"name": domain.organiser_name(region), "region": region or "00",
                         "address": body.organiser_address},
           "targeting": None, "guests": [], "invitee_list": None, "invited_count": 0, "fanout": None, "minutes": None, "aspirations": [],
           "created_by": principal.subject, "created_at": now, "updated_at": None,
           "history": [{"at": now, "by": principal.subject, "action": "created", "to": "draft"}]}
    if not region:
        doc["organiser"]["region"] = "00"
    await request.app.state.kegiatan.insert(doc)
    response.headers["Location"] = f"/kegiatan/{doc['_id']}"
    _etag(response, doc)
    return out(doc)


@router.get("/kegiatan", response_model=Page)
async def list_kegiatan(request: Request, principal: Principal = Depends(current),
                        region: str | None = Query(default=None, max_length=13),
                        status: Status | None = None, limit: int = Query(default=50, ge=1, le=200),
                        cursor: str | None = Query(default=None, max_length=200)) -> Page:
    if region is not None:
        if region and not regions.is_valid(region):
            raise Unprocessable(f"{region!r} is not a Kemendagri region code", errors=[{"field": "region", "message": "unknown"}])
        if not principal.can_see(region):
            raise NotFound(f"region {region} is outside your office's scope")
    after = None
    if cursor:
        try:
            when, _, kid = cursor.partition("|")
            after = (dt.datetime.fromisoformat(when), kid)
        except ValueError:
            raise Unprocessable("invalid cursor", errors=[{"field": "cursor", "message": "invalid"}]) from None
    docs = await request.app.state.kegiatan.list(scope=principal.region, region=region, status=status,
                                                 limit=limit + 1, after=after)
    more = len(docs) > limit
    docs = docs[:limit]
    nxt = f"{docs[-1]['starts_at'].isoformat()}|{docs[-1]['_id']}" if more else None
    return Page(items=[out(d, principal.role) for d in docs], next_cursor=nxt)


@router.get("/kegiatan/{kegiatan_id}", response_model=KegiatanOut)
async def get_kegiatan(kegiatan_id: str, request: Request, response: Response,
                       principal: Principal = Depends(current)) -> KegiatanOut:
    doc = await visible(request, principal, kegiatan_id)
    _etag(response, doc)
    return out(doc, principal.role)


@router.patch("/kegiatan/{kegiatan_id}", response_model=KegiatanOut)
async def update_kegiatan(kegiatan_id: str, body: KegiatanPatch, request: Request, response: Response,
                          principal: Principal = Depends(writer),
                          if_match: str | None = Header(default=None)) -> KegiatanOut:
    """Edits a draft. Once published, times change only by rescheduling."""
    doc, version = await writable(request, principal, kegiatan_id, if_match)
    if doc["status"] != "draft":
        raise Conflict("only a draft is edited; a published kegiatan is rescheduled or cancelled",
                       current_status=doc["status"])
    sent = body.model_dump(mode="python", exclude_unset=True)
    cleared = [k for k in ("title", "type", "venue_name", "venue_region", "starts_at", "ends_at", "seats_per_ormas")
               if k in sent and sent[k] is None]
    if cleared:
        raise Unprocessable(f"{', '.join(cleared)} cannot be cleared",
                            errors=[{"field": k, "message": "cannot be null"} for k in cleared])
    if "letter" in sent:
        sent["letter"] = _letter(body.letter)
    merged = {"title": doc["title"], "type": doc["type"], "theme": doc.get("theme"), "venue_name": doc["venue"]["name"],
              "venue_region": doc["venue"]["region"], "venue_address": doc["venue"].get("address"),
              "starts_at": doc["starts_at"], "ends_at": doc["ends_at"], "seats_per_ormas": doc["seats_per_ormas"],
              "capacity": doc.get("capacity"), "speakers": doc.get("speakers"), "agenda": doc.get("agenda"),
              "letter": doc.get("letter"), "rsvp_cutoff": doc.get("rsvp_cutoff"), **sent}
    fields = _details(merged, doc["region"])
    fields.pop("region")
    now = dt.datetime.now(dt.UTC)
    fields["rsvp_cutoff"] = merged["rsvp_cutoff"].astimezone(dt.UTC) if merged.get("rsvp_cutoff") else None
    new = await request.app.state.kegiatan.change(
        kegiatan_id, version, {**fields, "updated_at": now},
        {"at": now, "by": principal.subject, "action": "updated", "fields": sorted(sent)}, [])
    if new is None:
        raise PreconditionFailed("the kegiatan changed meanwhile; reload and retry")
    _etag(response, new)
    return out(new)


def _rule(body: RuleIn, office: str) -> targeting.Rule:
    rule = targeting.Rule(region=office if body.region is None else body.region, kinds=tuple(body.kinds),
                          bidang=tuple(b.strip().lower() for b in body.bidang), legal_forms=tuple(body.legal_forms),
                          valid_skt_on=body.valid_skt_on, exclude_suspended=body.exclude_suspended)
    rule.validate(office)
    return rule


def _rule_from(stored: dict[str, Any]) -> targeting.Rule:
    return targeting.Rule(region=stored["region"], kinds=tuple(stored["kinds"]), bidang=tuple(stored["bidang"]),
                          legal_forms=tuple(stored["legal_forms"]),
                          valid_skt_on=dt.date.fromisoformat(stored["valid_skt_on"]) if stored.get("valid_skt_on") else None,
                          exclude_suspended=stored["exclude_suspended"])


async def resolve(request: Request, doc: dict[str, Any]) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The ormas a draft's targeting selects now (rule ∪ explicit list), with their copies."""
    t = doc.get("targeting") or {}
    copy = request.app.state.copy
    chosen: dict[str, dict[str, Any]] = {}
    if t.get("rule"):
        rule = _rule_from(t["rule"])
        for c in await copy.all_within(rule.region):
            if rule.matches(c):
                chosen[c["_id"]] = c
    explicit = [i for i in t.get("ormas_ids") or [] if i not in chosen]
    if explicit:
        chosen.update(await copy.by_ids(explicit))
    return sorted(chosen), chosen


def _invitees_out(ids: list[str], copies: dict[str, dict[str, Any]], guests: int, frozen: bool) -> InviteesOut:
    named = sorted((copies[i] for i in ids if i in copies), key=lambda c: (c.get("name") or "", c["_id"]))[:50]
    sample = [{"id": c["_id"], "name": c.get("name"), "kind": c.get("kind"), "region": c.get("region"),
               "status": c.get("status")} for c in named]
    return InviteesOut(frozen=frozen, count=len(ids) + guests, ormas=len(ids), guests=guests, sample=sample)


@router.put("/kegiatan/{kegiatan_id}/invitees", response_model=InviteesOut)
async def set_invitees(kegiatan_id: str, body: InviteesIn, request: Request, response: Response,
                       principal: Principal = Depends(writer),
                       if_match: str | None = Header(default=None)) -> InviteesOut:
    """Sets a draft's targeting: a rule, an explicit list and guests. Resolved again at publish,
    then frozen."""
    doc, version = await writable(request, principal, kegiatan_id, if_match)
    if doc["status"] != "draft":
        raise Conflict("the invitee list is frozen at publish; add invitees with POST", current_status=doc["status"])
    rule = _rule(body.rule, doc["region"]) if body.rule else None
    explicit = sorted(set(body.ormas_ids))
    known = await request.app.state.copy.by_ids(explicit)
    unknown = [i for i in explicit if i not in known]
    if unknown:
        raise Unprocessable(f"{len(unknown)} ormas are not in the registry: {', '.join(unknown[:5])}",
                            errors=[{"field": "ormas_ids", "message": f"unknown ormas {i}"} for i in unknown[:20]])
    outside = [i for i in explicit if not regions.within(doc["region"], known[i].get("region") or "-")]
    if outside:
        raise Unprocessable(f"{len(outside)} ormas are outside the organising office's region",
                            errors=[{"field": "ormas_ids", "message": f"outside the region: {i}"} for i in outside[:20]])
    guests = [{"id": uuid.uuid4().hex[:12], **g.model_dump()} for g in body.guests]
    stored = None
    if rule:
        stored = {"region": rule.region, "kinds": list(rule.kinds), "bidang": list(rule.bidang),
                  "legal_forms": list(rule.legal_forms), "exclude_suspended": rule.exclude_suspended,
                  "valid_skt_on": rule.valid_skt_on.isoformat() if rule.valid_skt_on else None}
    now = dt.datetime.now(dt.UTC)
    new = await request.app.state.kegiatan.change(
        kegiatan_id, version, {"targeting": {"rule": stored, "ormas_ids": explicit}, "guests": guests, "updated_at": now},
        {"at": now, "by": principal.subject, "action": "invitees_set", "explicit": len(explicit), "guests": len(guests),
         "rule": stored}, [])
    if new is None:
        raise PreconditionFailed("the kegiatan changed meanwhile; reload and retry")
    ids, copies = await resolve(request, new)
    _etag(response, new)
    return _invitees_out(ids, copies, len(guests), False)


@router.get("/kegiatan/{kegiatan_id}/invitees", response_model=InviteesOut)
async def get_invitees(kegiatan_id: str, request: Request, principal: Principal = Depends(current)) -> InviteesOut:
    """A draft's targeting resolved now, or the list frozen at publish."""
    doc = await visible(request, principal, kegiatan_id)
    if doc["status"] == "draft":
        ids, copies = await resolve(request, doc)
        return _invitees_out(ids, copies, len(doc.get("guests") or []), False)
    ids = await request.app.state.kegiatan.invitees(doc)
    copies = await request.app.state.copy.by_ids(ids[:2000]) if len(ids) <= 2000 else {}
    return _invitees_out(ids, copies, len(doc.get("guests") or []), True)


@router.post("/kegiatan/{kegiatan_id}/invitees", response_model=KegiatanOut)
async def add_invitees(kegiatan_id: str, body: InviteesIn, request: Request, response: Response,
                       principal: Principal = Depends(writer),
                       if_match: str | None = Header(default=None)) -> KegiatanOut:
    """After publish: explicit additions (ormas or guests) to the frozen list; each is invited."""
    state = request.app.state
    doc, version = await writable(request, principal, kegiatan_id, if_match)
    if doc["status"] not in ("published", "rescheduled", "ongoing"):
        raise Conflict("invitees are added to a published kegiatan (set a draft's with PUT)", current_status=doc["status"])
    if body.rule is not None:
        raise Unprocessable("after publish invitees are added by name, not by rule",
                            errors=[{"field": "rule", "message": "not allowed after publish"}])
    have = await state.kegiatan.invitees(doc)
    frozen = set(have)
    new_ids = sorted(set(body.ormas_ids) - frozen)
    known = await state.copy.by_ids(new_ids)
    unknown = [i for i in new_ids if i not in known or not regions.within(doc["region"], known[i].get("region") or "-")]
    if unknown:
        raise Unprocessable(f"{len(unknown)} ormas are not in the registry of this region: {', '.join(unknown[:5])}",
                            errors=[{"field": "ormas_ids", "message": f"unknown ormas {i}"} for i in unknown[:20]])
    guests = [{"id": uuid.uuid4().hex[:12], **g.model_dump()} for g in body.guests]
    if not new_ids and not guests:
        _etag(response, doc)
        return out(doc)
    now = dt.datetime.now(dt.UTC)
    run = uuid.uuid4().hex
    list_id = await state.kegiatan.save_invitees(kegiatan_id, run, [*have, *new_ids])
    new = await state.kegiatan.change(
        kegiatan_id, version, {"updated_at": now, "fanout": domain.next_fanout(doc.get("fanout"), run=run,
                                                                                by=principal.subject),
                               "invitee_list": list_id, "invited_count": doc["invited_count"] + len(new_ids) + len(guests)},
        {"at": now, "by": principal.subject, "action": "invitees_added", "ormas": len(new_ids), "guests": len(guests)},
        [], extra={"$push": {"guests": {"$each": guests}}})
    if new is None:
        raise PreconditionFailed("the kegiatan changed meanwhile; reload and retry")
    state.fanout.kick(kegiatan_id)
    _etag(response, new)
    return out(new)


@router.post("/kegiatan/{kegiatan_id}/transitions", response_model=KegiatanOut)
async def transition(kegiatan_id: str, body: TransitionIn, request: Request, response: Response,
                     principal: Principal = Depends(writer),
                     if_match: str | None = Header(default=None)) -> KegiatanOut:
    """publish (freezes the invitee list and invites everyone on it), reschedule, start, complete,
    cancel. An action not possible now answers 409 with the reachable statuses."""
    state = request.app.state
    doc, version = await writable(request, principal, kegiatan_id, if_match)
    now = dt.datetime.now(dt.UTC)
    set_fields: dict[str, Any] = {}
    invitees: list[str] = []
    if body.action == "publish" and doc["status"] == "draft":
        invitees, _ = await resolve(request, doc)
    new_times = (body.starts_at, body.ends_at) if body.starts_at and body.ends_at else None
    if body.action == "reschedule" and (body.starts_at is None) != (body.ends_at is None):
        raise Unprocessable("rescheduling needs both the new start and end",
                            errors=[{"field": "ends_at" if body.ends_at is None else "starts_at", "message": "required"}])
    try:
        if body.action == "start":
            domain.check_start(doc, now)
        if body.action == "reschedule" and new_times and new_times[1] - new_times[0] > dt.timedelta(days=31):
            raise domain.InvalidKegiatan("ends_at", "a kegiatan lasts at most 31 days")
        changes_, history = domain.step(doc, body.action, actor=principal.subject, at=now, reason=body.reason,
                                        invitees=len(invitees) + len(doc.get("guests") or []), new_times=new_times)
    except domain.IllegalStep as e:  # with what the caller may do instead
        e.extra["allowed_actions"] = domain.allowed(doc)
        raise
    set_fields.update(changes_, updated_at=now)
    change: dict[str, Any] | None = None
    name = {"publish": "published", "reschedule": "rescheduled", "start": "started", "cancel": "cancelled",
            "complete": "completed"}[body.action]
    if body.action == "publish":
        run = uuid.uuid4().hex
        # the frozen list lives apart, so that reading the kegiatan stays cheap at 10,000 invitees;
        # it counts only once the kegiatan names it, in the same write that publishes
        set_fields["invitee_list"] = await state.kegiatan.save_invitees(kegiatan_id, run, invitees)
        set_fields["invited_count"] = len(invitees) + len(doc.get("guests") or [])
        set_fields["fanout"] = {"state": "pending", "run": run, "by": principal.subject}
        change = {"invited": set_fields["invited_count"]}
    elif body.action == "reschedule":
        if doc.get("rsvp_cutoff") and doc["rsvp_cutoff"] > set_fields["starts_at"]:
            set_fields["rsvp_cutoff"] = None
        change = {"reason": history["reason"], "previous_starts_at": domain._iso(doc["starts_at"]),
                  "previous_ends_at": domain._iso(doc["ends_at"])}
    elif body.action == "cancel":
        change = {"reason": history["reason"]}
    elif body.action == "complete":
        change = await completion_counts(request, doc)
    after = {**doc, **set_fields, "version": version + 1}
    new = await state.kegiatan.change(kegiatan_id, version, set_fields, history, [changes.kegiatan_event(name, after, change)])
    if new is None:
        raise PreconditionFailed("the kegiatan changed meanwhile; reload and retry")
    state.relay.wake("kegiatan", kegiatan_id)
    if body.action == "publish":
        state.fanout.kick(kegiatan_id)
    _etag(response, new)
    return out(new)


async def completion_counts(request: Request, doc: dict[str, Any]) -> dict[str, Any]:
    ps = await request.app.state.participants.of(doc["_id"], {"kind": 1, "status": 1, "attending": 1, "attendance": 1})
    invited = [p for p in ps if p["kind"] != "walk_in"]
    return {
        "invited": len(invited),
        "attending": sum(1 for p in invited if p.get("attending") is True),
        "declined": sum(1 for p in invited if p.get("attending") is False),
        "checked_in": sum(1 for p in invited if p["status"] == "checked_in"),
        "walk_ins": sum(1 for p in ps if p["kind"] == "walk_in"),
        "people_present": sum(max((a.get("people", 1) for a in (p.get("attendance") or {}).values()), default=0) for p in ps),
        "aspirations": len(doc.get("aspirations") or []),
        "has_minutes": bool(doc.get("minutes")),
    }
