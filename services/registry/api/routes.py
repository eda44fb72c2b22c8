"""Registry HTTP API: record, read, search and change ormas, and move them through their lifecycle."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, Field

from services.registry.adapters.repository import DuplicateOrmas, IdTaken, OrmasRepository
from services.registry.deps import Accounts, Config, Current, OrmasStore, Relay, Search, Writer
from services.registry.changes import event_entry, transition_events
from services.registry.domain.search import SORT_KEYS, BadCursor, Row, SearchIndex, row_from_snapshot
from shared.outbox import OutboxRelay
from services.registry.domain import lifecycle, numbering
from services.registry.domain import officers as board_rules
from services.registry.domain import ormas as domain
from services.registry.domain.ormas import mask_phone
from services.registry.domain.policy import ACTION_ROLES
from shared import errors, failpoints, masking, regions
from shared.text import Input
from shared.auth import Forbidden, Principal
from shared.contracts.registry_schemas import KINDS, LEGAL_FORMS, SCOPES, STATUSES
from shared.web import (NotFound, PreconditionFailed, Unprocessable, check_if_match,
                        set_etag)

router = APIRouter(tags=["ormas"])
IDEMPOTENCY_NAMESPACE = uuid.UUID("5d0c1f7e-2b7a-4f43-8f3e-1b1d3c0a9e11")
NEAR_MATCH = 0.85

Kind = Literal[tuple(KINDS)]  # type: ignore[valid-type]
LegalForm = Literal[tuple(LEGAL_FORMS)]  # type: ignore[valid-type]
Scope = Literal[tuple(SCOPES)]  # type: ignore[valid-type]
Status = Literal[tuple(STATUSES)]  # type: ignore[valid-type]


class AddressIn(Input):
    street: str | None = Field(default=None, max_length=300)
    region: str | None = Field(default=None, max_length=13, description="down to kecamatan, inside the ormas's region")
    postal_code: str | None = Field(default=None, pattern=r"^[0-9]{5}$")


class LetterIn(Input):
    type: Literal[domain.PRESENCE_LETTERS]  # type: ignore[valid-type]
    number: str = Field(min_length=1, max_length=100)
    issued_on: dt.date | None = None


class OrmasFields(Input):
    acronym: str | None = Field(default=None, max_length=50)
    decree_number: str | None = Field(default=None, max_length=100, description="Kemenkumham decree (legal entities)")
    bidang: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(default_factory=list, max_length=20)
    address: AddressIn | None = None
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30)
    whatsapp: str | None = Field(default=None, max_length=30)
    founding_date: dt.date | None = None
    npwp: str | None = Field(default=None, max_length=30)
    presence_letters: list[LetterIn] = Field(default_factory=list, max_length=10)


class OrmasIn(OrmasFields):
    name: str = Field(min_length=1, max_length=300, examples=["Pemuda Pancasila"])
    kind: Kind = Field(examples=["ormas"])
    legal_form: LegalForm = "tidak_berbadan_hukum"
    scope: Scope = "kabupaten_kota"
    region: str = Field(min_length=2, max_length=13, examples=["35.75"], description="Kemendagri region code")


class OrmasPatch(OrmasFields):
    """Only the fields sent change; ``null`` clears an optional field."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    kind: Kind | None = None
    legal_form: LegalForm | None = None
    scope: Scope | None = None


class Candidate(BaseModel):
    id: str
    name: str
    acronym: str | None
    similarity: float


class OrmasOut(BaseModel):
    id: str
    version: int
    name: str
    acronym: str | None = None
    kind: str
    legal_form: str = "tidak_berbadan_hukum"
    decree_number: str | None = None
    scope: str = "kabupaten_kota"
    region: str
    region_name: str | None = None
    bidang: list[str] = []
    address: dict[str, Any] | None = None
    email: str | None = None
    phone: str | None = None
    whatsapp: str | None = None
    founding_date: str | None = None
    npwp: str | None = None
    presence_letters: list[dict[str, Any]] = []
    status: str
    skt: dict[str, Any] | None = None
    sanction: dict[str, Any] | None = None
    verification: dict[str, Any] | None = None
    allowed_actions: list[str] = []
    created_at: dt.datetime
    updated_at: dt.datetime | None = None
    warnings: list[Candidate] = Field(default_factory=list, description="near matches found at creation")


class OrmasSummary(BaseModel):
    id: str
    name: str
    acronym: str | None
    kind: str
    legal_form: str
    region: str
    status: str
    bidang: list[str]
    email: str | None
    phone: str | None = Field(description="masked")
    whatsapp: str | None = Field(description="masked")
    skt_number: str | None
    skt_valid_until: str | None


class OrmasPage(BaseModel):
    items: list[OrmasSummary]
    next_cursor: str | None


class TransitionIn(Input):
    multiline = frozenset({"reason", "notes"})
    action: Literal[tuple(lifecycle.TRANSITIONS)]  # type: ignore[valid-type]
    reason: str | None = Field(default=None, max_length=2000)
    authority: Literal[lifecycle.AUTHORITIES] | None = None  # type: ignore[valid-type]
    documents_complete: bool | None = None
    documents_missing: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=30)
    field_visit_outcome: Literal[lifecycle.FIELD_VISIT_OUTCOMES] | None = None  # type: ignore[valid-type]
    visited_on: dt.date | None = None
    notes: str | None = Field(default=None, max_length=2000)
    days_left: Literal[lifecycle.EXPIRY_NOTICE_DAYS] | None = None  # type: ignore[valid-type]


def _out(doc: dict[str, Any], warnings: list[Candidate] | None = None) -> OrmasOut:
    region = regions.get(doc["region"])
    fields = {k: doc.get(k) for k in OrmasOut.model_fields
              if k not in ("id", "warnings", "allowed_actions", "region_name") and doc.get(k) is not None}
    return OrmasOut(id=doc["_id"], region_name=region.name if region else None,
                    allowed_actions=lifecycle.allowed_actions(doc), warnings=warnings or [], **fields)


def _summary_row(r: Row) -> OrmasSummary:
    return OrmasSummary(id=r.id, name=r.name, acronym=r.acronym, kind=r.kind, legal_form=r.legal_form,
                        region=r.region, status=r.status, bidang=list(r.bidang), email=r.email,
                        phone=mask_phone(r.phone), whatsapp=mask_phone(r.whatsapp), skt_number=r.skt_number,
                        skt_valid_until=r.skt_valid_until)


def check_region_filter(principal: Principal, region: str | None) -> None:
    """A list's ``region`` filter: a real code (422) inside the caller's scope (404)."""
    if region is None:
        return
    if region and not regions.is_valid(region):
        raise Unprocessable(f"{region!r} is not a Kemendagri region code",
                            errors=[{"field": "region", "message": "unknown region code"}])
    if not principal.can_see(region):
        raise NotFound(f"region {region} is outside your office's scope")



_event = event_entry


_etag = set_etag


def _if_match(value: str | None, current: int) -> int:
    return check_if_match(value, current, "ormas")


async def _writable(ormas: OrmasRepository, principal: Principal, ormas_id: str, if_match: str | None, *,
                    admin_in_scope: bool = False) -> tuple[dict[str, Any], int]:
    """The ormas this office may change (404 otherwise) and the version the change must find
    (412 when If-Match names another). ``admin_in_scope``: an admin acts on any ormas it sees."""
    doc = await _visible(ormas, principal, ormas_id)
    if not principal.can_write(doc["region"]) and not (admin_in_scope and principal.role == "admin"):
        raise NotFound("no such ormas")
    return doc, _if_match(if_match, doc["version"])


async def _visible(ormas: OrmasRepository, principal: Principal, ormas_id: str) -> dict[str, Any]:
    doc = await ormas.get(ormas_id)
    if doc is None or not principal.can_see(doc["region"]):
        raise NotFound("no such ormas")  # another region's record is indistinguishable from none
    return doc


def _duplicates(fields: dict[str, Any], others: list[Row]) -> list[Candidate]:
    """409 when another ormas has the same name or acronym; else the near matches, which only warn.

    The unique index on (region, name_key) is the guarantee for names; acronyms and near matches
    come from the search index, which another replica's write reaches within the topic's lag."""
    near: list[Candidate] = []
    matcher = difflib.SequenceMatcher(None)
    matcher.set_seq2(fields["name_key"])  # the matcher caches what it learns about seq2
    for o in others:
        if o.name_key == fields["name_key"] or (fields["acronym_key"] and o.acronym_key == fields["acronym_key"]):
            raise errors.Duplicate("an ormas with this name or acronym is already recorded in this region",
                           existing_id=o.id, existing_name=o.name)
        matcher.set_seq1(o.name_key)
        if matcher.real_quick_ratio() < NEAR_MATCH or matcher.quick_ratio() < NEAR_MATCH:
            continue  # upper bounds: most names are nowhere near
        score = matcher.ratio()
        if score >= NEAR_MATCH:
            near.append(Candidate(id=o.id, name=o.name, acronym=o.acronym, similarity=round(score, 2)))
    return sorted(near, key=lambda c: -c.similarity)[:5]


def _written(search: SearchIndex, relay: OutboxRelay, doc: dict[str, Any], events: list[dict[str, Any]] | None = None) -> None:
    """After a write: this replica's search sees it at once (others learn it from the topic), and
    the relay publishes its events now (``events``: a new document's whole outbox, sent unread)."""
    search.upsert(row_from_snapshot(domain.snapshot(doc)))
    relay.wake("ormas", doc["_id"], events)


@router.post("/ormas", status_code=201, response_model=OrmasOut)
async def create_ormas(body: OrmasIn, response: Response, principal: Writer, ormas: OrmasStore, search: Search,
                       relay: Relay, idempotency_key: str | None = Header(default=None, max_length=200)) -> OrmasOut:
    details = domain.Details(**body.model_dump(exclude_none=True))
    now = dt.datetime.now(dt.UTC)
    fields = details.normalised(now.date())
    if not principal.can_write(body.region):
        raise NotFound(f"region {body.region} is outside your office's scope")
    fingerprint = hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    if idempotency_key:
        ormas_id = str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{principal.subject}|{idempotency_key}"))
        replay = await ormas.get(ormas_id)
        if replay is not None:
            return _replay(replay, fingerprint, response)
    else:
        ormas_id = str(uuid.uuid4())
    near = _duplicates(fields, search.same_region(body.region))
    doc = domain.create(details, ormas_id=ormas_id, actor=principal.subject, now=now)
    doc["idempotency"] = {"key": idempotency_key, "fingerprint": fingerprint} if idempotency_key else None
    try:
        await ormas.insert(doc, [_event("created", doc)])
    except IdTaken as e:
        return _replay(e.existing, fingerprint, response)
    except DuplicateOrmas as e:
        raise errors.Duplicate(str(e), existing_id=e.existing_id) from None
    failpoints.hit("registry.after_write")
    _written(search, relay, doc)
    response.headers["Location"] = f"/ormas/{ormas_id}"
    _etag(response, doc)
    return _out(doc, near)


def _replay(existing: dict[str, Any], fingerprint: str, response: Response) -> OrmasOut:
    if (existing.get("idempotency") or {}).get("fingerprint") != fingerprint:
        raise Unprocessable("this Idempotency-Key was used for a different request",
                            errors=[{"field": "Idempotency-Key", "message": "reused with another body"}])
    response.status_code = 200
    response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/ormas/{existing['_id']}"
    _etag(response, existing)
    return _out(existing)


@router.get("/ormas", response_model=OrmasPage)
async def search_ormas(
    principal: Current, search: Search,
    q: str | None = Query(default=None, max_length=100, description="words of the name or acronym"),
    region: str | None = Query(default=None, max_length=13, description="this region and everything below it"),
    kind: Kind | None = None, legal_form: LegalForm | None = None,
    bidang: str | None = Query(default=None, max_length=80),
    status: list[Status] | None = Query(default=None),
    skt_expiring_before: dt.date | None = None,
    skt_valid_on: dt.date | None = Query(default=None, description="held a valid SKT on this day"),
    sort: Literal[tuple(SORT_KEYS)] = "name",  # type: ignore[valid-type]
    cursor: str | None = Query(default=None, max_length=500),
    limit: int = Query(default=50, ge=1, le=200),
) -> OrmasPage:
    check_region_filter(principal, region)
    try:
        rows, next_cursor = search.search(
            scope=principal.region, region=region, q=q, kind=kind, legal_form=legal_form,
            bidang=bidang.strip().lower() if bidang else None, status=status,
            skt_expiring_before=skt_expiring_before.isoformat() if skt_expiring_before else None,
            skt_valid_on=skt_valid_on.isoformat() if skt_valid_on else None, sort=sort, cursor=cursor, limit=limit)
    except BadCursor as e:
        raise Unprocessable(str(e), errors=[{"field": "cursor", "message": "invalid or from another sort"}]) from None
    return OrmasPage(items=[_summary_row(r) for r in rows], next_cursor=next_cursor)


@router.get("/ormas/{ormas_id}", response_model=OrmasOut)
async def get_ormas(ormas_id: str, response: Response, principal: Current, ormas: OrmasStore) -> OrmasOut:
    doc = await _visible(ormas, principal, ormas_id)
    _etag(response, doc)
    return _out(masking.contacts_for(principal.role, doc))


@router.patch("/ormas/{ormas_id}", response_model=OrmasOut)
async def update_ormas(ormas_id: str, body: OrmasPatch, response: Response, principal: Writer, ormas: OrmasStore,
                       search: Search, relay: Relay, if_match: str | None = Header(default=None)) -> OrmasOut:
    doc, version = await _writable(ormas, principal, ormas_id, if_match)
    sent = body.model_dump(exclude_unset=True)
    cleared = [k for k in ("name", "kind", "legal_form", "scope") if k in sent and sent[k] is None]
    if cleared:
        raise Unprocessable(f"{', '.join(cleared)} cannot be cleared",
                            errors=[{"field": k, "message": "cannot be null"} for k in cleared])
    merged = {k: doc.get(k) for k in domain.DETAIL_FIELDS}
    merged.update(sent)
    if "founding_date" in merged and isinstance(merged["founding_date"], str):
        merged["founding_date"] = dt.date.fromisoformat(merged["founding_date"])
    merged["presence_letters"] = [
        {**p, "issued_on": dt.date.fromisoformat(p["issued_on"]) if isinstance(p.get("issued_on"), str) else p.get("issued_on")}
        for p in merged.get("presence_letters") or []]
    if (merged.get("legal_form") in domain.LEGAL_ENTITY_FORMS) != (doc.get("legal_form") in domain.LEGAL_ENTITY_FORMS):
        raise Unprocessable("the legal form changes through the lifecycle, not by editing",
                            errors=[{"field": "legal_form", "message": "cannot switch between legal entity and not"}])
    fields = domain.Details(region=doc["region"], **{k: v for k, v in merged.items() if v is not None}) \
        .normalised(dt.date.today())
    fields.pop("region")
    changed = domain.changed_fields(doc, fields)
    if not changed:
        _etag(response, doc)
        return _out(doc)
    if "name" in changed or "acronym" in changed:
        _duplicates(fields, search.same_region(doc["region"], exclude=ormas_id))
    now = dt.datetime.now(dt.UTC)
    after = {**doc, **fields, "version": version + 1, "updated_at": now}
    events = [_event("updated", after, {"fields": changed})]
    contacts = [f for f in changed if f in domain.CONTACT_FIELDS]
    if contacts:
        events.append(_event("contacts_changed", after, {"fields": contacts}))
    history = {"at": now, "by": principal.subject, "action": "updated", "fields": changed}
    try:
        new = await ormas.change(ormas_id, version, {**fields, "updated_at": now}, history, events)
    except DuplicateOrmas:
        raise errors.Duplicate("an ormas with this name is already recorded in this region") from None
    if new is None:
        raise PreconditionFailed("the ormas changed while this update was made; reload and retry")
    _written(search, relay, new)
    _etag(response, new)
    return _out(new)


@router.post("/ormas/{ormas_id}/transitions", response_model=OrmasOut)
async def transition(ormas_id: str, body: TransitionIn, response: Response, principal: Current, ormas: OrmasStore,
                     search: Search, relay: Relay, accounts: Accounts, config: Config,
                     if_match: str | None = Header(default=None)) -> OrmasOut:
    """Moves the ormas one step through its lifecycle. An action not possible from the current
    status answers 409 with the statuses that are reachable."""
    if principal.role not in ACTION_ROLES[body.action]:
        raise Forbidden(f"role {principal.role!r} may not {body.action}")
    doc, version = await _writable(ormas, principal, ormas_id, if_match, admin_in_scope=True)
    now = dt.datetime.now(dt.UTC)
    data: dict[str, Any] = {}
    if body.action == "check_documents":
        data = {"complete": bool(body.documents_complete), "missing": body.documents_missing}
    elif body.action == "record_field_visit":
        data = {"outcome": body.field_visit_outcome, "visited_on": body.visited_on, "notes": body.notes}
    elif body.action == "mark_expiring":
        data = {"days_left": body.days_left}
    step = lifecycle.Step(action=body.action, actor=principal.subject, at=now, reason=body.reason,
                          authority=body.authority, data=data)
    skt_number = None
    try:
        if body.action in ("register", "renew"):
            lifecycle.apply(doc, step, skt_number="-")  # refuse before drawing a number
            seq = await ormas.next_skt_sequence(principal.region, now.year)
            office = await accounts.office(principal.region)
            skt_number = numbering.number((office or {}).get("skt_number_format") or config.skt_number_format,
                                          seq=seq, office=principal.region or "nasional", year=now.year,
                                          region=doc["region"])
        outcome = lifecycle.apply(doc, step, skt_number=skt_number)
    except lifecycle.IllegalTransition as e:  # with what the caller may do instead
        e.extra["allowed_actions"] = lifecycle.allowed_actions(doc)
        raise
    after = {**doc, **outcome.changes, "version": version + 1, "updated_at": now}
    events = transition_events(after, step, outcome)
    new = await ormas.change(ormas_id, version, {**outcome.changes, "updated_at": now}, outcome.history, events)
    if new is None:
        raise PreconditionFailed("the ormas changed while this step was taken; reload and retry")
    _written(search, relay, new)
    _etag(response, new)
    return _out(new)


class OfficerIn(Input):
    name: str = Field(min_length=1, max_length=200)
    position: Literal[board_rules.POSITIONS]  # type: ignore[valid-type]
    nik: str = Field(min_length=16, max_length=16, pattern=r"^[0-9]{16}$", description="never shown unmasked")
    phone: str | None = Field(default=None, max_length=30)
    term_start: dt.date | None = None
    term_end: dt.date | None = None


class BoardIn(Input):
    officers: list[OfficerIn] = Field(max_length=board_rules.MAX_BOARD)
    reason: str | None = Field(default=None, max_length=500, description="e.g. musyawarah 2026")


class OfficerOut(BaseModel):
    name: str
    position: str
    nik: str = Field(description="masked")
    phone: str | None = Field(description="masked")
    term_start: str | None
    term_end: str | None


class BoardOut(BaseModel):
    version: int
    officers: list[OfficerOut]
    previous_boards: int


@router.get("/ormas/{ormas_id}/officers", response_model=BoardOut)
async def get_officers(ormas_id: str, response: Response, principal: Current, ormas: OrmasStore) -> BoardOut:
    doc = await _visible(ormas, principal, ormas_id)
    _etag(response, doc)
    return BoardOut(version=doc["version"], officers=[OfficerOut(**board_rules.public(o)) for o in doc.get("officers") or []],
                    previous_boards=len(doc.get("board_history") or []))


@router.put("/ormas/{ormas_id}/officers", response_model=BoardOut)
async def replace_officers(ormas_id: str, body: BoardIn, response: Response, principal: Writer, ormas: OrmasStore,
                           search: Search, relay: Relay, if_match: str | None = Header(default=None)) -> BoardOut:
    """Records a new board. The previous one is kept in the record's board history; the event
    names the officers by name and position only."""
    doc, version = await _writable(ormas, principal, ormas_id, if_match)
    now = dt.datetime.now(dt.UTC)
    officers = board_rules.board([board_rules.Officer(**o.model_dump()) for o in body.officers], now.date())
    previous = doc.get("officers") or []
    fields: dict[str, Any] = {"officers": officers, "updated_at": now}
    if previous:
        fields["board_history"] = [*(doc.get("board_history") or []),
                                   {"officers": previous, "until": now, "replaced_by": principal.subject}]
    after = {**doc, **fields, "version": version + 1}
    history = {"at": now, "by": principal.subject, "action": "officers_changed", "reason": body.reason,
               "positions": [o["position"] for o in officers]}
    new = await ormas.change(ormas_id, version, fields, history,
                                   [_event("officers_changed", after, {"fields": ["officers"]})])
    if new is None:
        raise PreconditionFailed("the ormas changed while the board was recorded; reload and retry")
    _written(search, relay, new)
    _etag(response, new)
    return BoardOut(version=new["version"], officers=[OfficerOut(**board_rules.public(o)) for o in officers],
                    previous_boards=len(new.get("board_history") or []))
