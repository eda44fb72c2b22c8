"""Ormas over HTTP: parse, call one use case (``services/registry/application/ormas.py``), shape
the answer — record, read, search and change ormas, their board, their lifecycle."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, Field

from services.registry.application import applications
from services.registry.application import ormas as use
from services.registry.deps import (
    Accounts,
    ApplicantOrReader,
    ApplicantOrWriter,
    Config,
    Current,
    OrmasPorts,
    OrmasStore,
    Reader,
    Search,
    Writer,
)
from services.registry.domain import lifecycle
from services.registry.domain import officers as board_rules
from services.registry.domain import ormas as domain
from services.registry.domain.ormas import mask_phone
from services.registry.domain.search import SORT_KEYS, BadCursor, Row
from shared import masking, regions
from shared.auth import Principal, check_region
from shared.contracts.registry_schemas import KINDS, LEGAL_FORMS, SCOPES, STATUSES
from shared.text import Input
from shared.web import NotFound, Unprocessable, set_etag

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
    your_actions: list[str] = Field(default_factory=list, description="of allowed_actions, those the caller may take")
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
    skt_number: str | None = Field(default=None, max_length=100, description="record_kemendagri_skt: the number issued")
    skt_issued_on: dt.date | None = None
    skt_valid_until: dt.date | None = None


def _out(doc: dict[str, Any], warnings: list[Candidate] | None = None, principal: Principal | None = None,
         skt_issuer: str | None = None) -> OrmasOut:
    region = regions.get(doc["region"])
    fields = {k: doc.get(k) for k in OrmasOut.model_fields
              if k not in ("id", "warnings", "allowed_actions", "your_actions", "region_name") and doc.get(k) is not None}
    return OrmasOut(id=doc["_id"], region_name=region.name if region else None,
                    allowed_actions=lifecycle.allowed_actions(doc),
                    your_actions=use.actions_for(principal, doc, skt_issuer) if principal else [],
                    warnings=warnings or [], **fields)


def _summary_row(r: Row) -> OrmasSummary:
    return OrmasSummary(id=r.id, name=r.name, acronym=r.acronym, kind=r.kind, legal_form=r.legal_form,
                        region=r.region, status=r.status, bidang=list(r.bidang), email=r.email,
                        phone=mask_phone(r.phone), whatsapp=mask_phone(r.whatsapp), skt_number=r.skt_number,
                        skt_valid_until=r.skt_valid_until)


def check_region_filter(principal: Principal, region: str | None) -> None:
    """A list's ``region`` filter: a real code (422) inside the caller's scope (404)."""
    if region is not None:
        check_region(principal, region)


_etag = set_etag


@router.post("/ormas", status_code=201, response_model=OrmasOut)
async def create_ormas(body: OrmasIn, response: Response, principal: Writer, ports: OrmasPorts,
                       idempotency_key: str | None = Header(default=None, max_length=200)) -> OrmasOut:
    fingerprint = hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    made = await use.create(ports, principal, body.model_dump(exclude_none=True), fingerprint=fingerprint,
                            idempotency_key=idempotency_key)
    if made.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/ormas/{made.doc['_id']}"
    _etag(response, made.doc)
    return _out(made.doc, [Candidate(**dataclasses.asdict(c)) for c in made.near])


@router.get("/ormas", response_model=OrmasPage)
async def search_ormas(
    principal: Reader, search: Search,
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


class WorkItem(BaseModel):
    id: str
    name: str
    acronym: str | None = None
    region: str
    status: str
    deadline: str | None = Field(default=None, description="a written warning's deadline")


class Worklist(BaseModel):
    field_visits_due: list[WorkItem] = Field(description="documents complete, field visit not yet recorded")
    warnings_overdue: list[WorkItem] = Field(description="written warnings past their seven working days")


@router.get("/ormas/worklist", response_model=Worklist)
async def worklist(principal: Current, search: Search,
                   region: str | None = Query(default=None, max_length=13, description="default: your office's")) -> Worklist:
    """What waits on the office today (20 of each, oldest deadline first)."""
    wib = dt.timezone(dt.timedelta(hours=7))
    found = use.worklist(search, principal, region, dt.datetime.now(wib).date())
    return Worklist(**{k: [WorkItem(id=r.id, name=r.name, acronym=r.acronym, region=r.region, status=r.status,
                                    deadline=r.sanction_deadline) for r in rows] for k, rows in found.items()})


@router.get("/ormas/{ormas_id}", response_model=OrmasOut)
async def get_ormas(ormas_id: str, response: Response, principal: Reader, ormas: OrmasStore,
                    accounts: Accounts) -> OrmasOut:
    doc = await use.visible(ormas, principal, ormas_id)
    _etag(response, doc)
    return _out(masking.contacts_for(principal.role, doc), principal=principal,
                skt_issuer=await use.skt_issuer(accounts, principal))


class HistoryEntry(BaseModel):
    at: dt.datetime
    by: str | None = None
    action: str
    from_status: str | None = Field(default=None, alias="from")
    to_status: str | None = Field(default=None, alias="to")
    reason: str | None = None
    authority: str | None = None
    fields: list[str] = []

    model_config = {"populate_by_name": True}


class HistoryOut(BaseModel):
    id: str
    created_at: dt.datetime
    entries: list[HistoryEntry] = Field(description="oldest first")


@router.get("/ormas/{ormas_id}/history", response_model=HistoryOut)
async def get_history(ormas_id: str, principal: ApplicantOrReader, ormas: OrmasStore) -> HistoryOut:
    """Every change of the record, oldest first: details changed (field names only), boards, and
    each lifecycle step with who, when, why and the issuing authority (an ormas account: its own
    record's, where it reads the office's revision notes)."""
    if principal.role == "ormas" and ormas_id != principal.ormas_id:
        raise NotFound("no such ormas")
    doc = await use.visible(ormas, principal, ormas_id)
    entries = [HistoryEntry(**{k: v for k, v in h.items() if k in ("at", "by", "action", "from", "to", "reason",
                                                                    "authority")},
                            fields=sorted(h.get("fields") or [])) for h in doc.get("history") or []]
    return HistoryOut(id=doc["_id"], created_at=doc["created_at"], entries=entries)


@router.patch("/ormas/{ormas_id}", response_model=OrmasOut)
async def update_ormas(ormas_id: str, body: OrmasPatch, response: Response, principal: ApplicantOrWriter,
                       ports: OrmasPorts, if_match: str | None = Header(default=None)) -> OrmasOut:
    """The office's edit; an ormas account's of its own application while it prepares it."""
    if principal.role == "ormas":
        applications.own_editable(principal, ormas_id, await ports.ormas.get(ormas_id))
    new = await use.update(ports, principal, ormas_id, body.model_dump(exclude_unset=True), if_match)
    _etag(response, new)
    return _out(new)


@router.post("/ormas/{ormas_id}/transitions", response_model=OrmasOut)
async def transition(ormas_id: str, body: TransitionIn, response: Response, principal: ApplicantOrReader,
                     ports: OrmasPorts, accounts: Accounts, config: Config,
                     if_match: str | None = Header(default=None)) -> OrmasOut:
    """Moves the ormas one step through its lifecycle. An action not possible from the current
    status answers 409 with the statuses that are reachable. An ormas account submits its own
    application (``submit``), nothing else."""
    if principal.role == "ormas":
        applications.own_editable(principal, ormas_id, await ports.ormas.get(ormas_id))
    data: dict[str, Any] = {}
    if body.action == "check_documents":
        data = {"complete": bool(body.documents_complete), "missing": body.documents_missing}
    elif body.action == "record_field_visit":
        data = {"outcome": body.field_visit_outcome, "visited_on": body.visited_on, "notes": body.notes}
    elif body.action == "mark_expiring":
        data = {"days_left": body.days_left}
    elif body.action == "record_kemendagri_skt":
        data = {"skt_number": body.skt_number, "issued_on": body.skt_issued_on, "valid_until": body.skt_valid_until}
    step = use.Step(action=body.action, reason=body.reason, authority=body.authority, data=data)
    new = await use.transition(ports, accounts, config.skt_number_format, principal, ormas_id, step, if_match)
    _etag(response, new)
    return _out(new, principal=principal, skt_issuer=await use.skt_issuer(accounts, principal))


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
    doc = await use.visible(ormas, principal, ormas_id)
    _etag(response, doc)
    return BoardOut(version=doc["version"], officers=[OfficerOut(**board_rules.public(o)) for o in doc.get("officers") or []],
                    previous_boards=len(doc.get("board_history") or []))


@router.put("/ormas/{ormas_id}/officers", response_model=BoardOut)
async def replace_officers(ormas_id: str, body: BoardIn, response: Response, principal: Writer, ports: OrmasPorts,
                           if_match: str | None = Header(default=None)) -> BoardOut:
    """Records a new board. The previous one is kept in the record's board history; the event
    names the officers by name and position only."""
    new = await use.replace_board(ports, principal, ormas_id, [o.model_dump() for o in body.officers], body.reason,
                                  if_match)
    _etag(response, new)
    return BoardOut(version=new["version"], officers=[OfficerOut(**board_rules.public(o)) for o in new["officers"]],
                    previous_boards=len(new.get("board_history") or []))
