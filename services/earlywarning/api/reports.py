"""Reports over HTTP: parse, call one use case (``application/reports.py``), shape the answer.
The public intake is ``POST /public/reports`` (no token, limited per client address)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, Field

from services.earlywarning.application import reports as use
from services.earlywarning.deps import AllPorts, Copy, Current, Handler, Intake, Limiter, Verifier
from services.earlywarning.domain import reports as domain
from shared import errors
from shared.auth import Principal, check_region
from shared.text import Input
from shared.web import set_etag

router = APIRouter(tags=["reports"])
Category = Literal[tuple(domain.CATEGORIES)]  # type: ignore[valid-type]
Severity = Literal[domain.SEVERITIES]  # type: ignore[valid-type]
Status = Literal[domain.STATUSES]  # type: ignore[valid-type]
Violence = Literal[domain.VIOLENCE]  # type: ignore[valid-type]
Note = Annotated[str, Field(min_length=1, max_length=5_000)]


class Party(Input):
    ormas_id: str | None = Field(default=None, max_length=100, description="an ormas of the registry")
    name: str | None = Field(default=None, max_length=200, description="a group that is no registered ormas")


class Photo(Input):
    name: str | None = Field(default=None, max_length=120)
    data_base64: str = Field(min_length=4, max_length=2_800_000, description="JPEG or PNG, at most 2 MB")


class ReportFields(Input):
    multiline = frozenset({"chronology"})
    title: str = Field(min_length=3, max_length=200, examples=["Ketegangan antarkelompok menjelang Pilkada"])
    chronology: str = Field(min_length=10, max_length=10_000, description="what happened (kronologi)")
    occurred_at: AwareDatetime | None = Field(default=None, description="when it happened (default: now)")
    location_code: str = Field(min_length=5, max_length=13, examples=["35.75.01.1001"],
                               description="regency/city, kecamatan or desa/kelurahan (Kemendagri code)")
    address: str | None = Field(default=None, max_length=300)
    latitude: float | None = Field(default=None, ge=-11.5, le=6.5)
    longitude: float | None = Field(default=None, ge=94.0, le=141.5)
    category: Category
    violence: Violence = Field(description="tidak_ada, ancaman (threats, mobilisation), bentrok (clash), "
                                           "korban (people hurt or property destroyed)")
    spread: bool = Field(default=False, description="beyond one desa/kelurahan")
    people_estimate: int | None = Field(default=None, ge=0, le=10_000_000)
    parties: list[Party] = Field(default_factory=list, max_length=20)
    photos: list[Photo] = Field(default_factory=list, max_length=3)
    reporter_name: str | None = Field(default=None, max_length=200)
    reporter_contact: str | None = Field(default=None, max_length=200)


class ReportIn(ReportFields):
    source_kind: Literal["anggota_tim", "staf", "publik"] = "staf"


class PublicReportIn(ReportFields):
    pass


class VerifyIn(Input):
    multiline = frozenset({"note"})
    proven: bool = Field(description="false: tidak terbukti")
    severity: Severity | None = Field(default=None, description="another severity than the rubric's (say why)")
    note: str | None = Field(default=None, max_length=5_000)


class StepIn(Input):
    multiline = frozenset({"note"})
    note: str | None = Field(default=None, max_length=5_000)


class ResolveIn(Input):
    multiline = frozenset({"note"})
    note: Note


class AssignIn(Input):
    member_id: str = Field(min_length=1, max_length=40)


class ActionIn(Input):
    multiline = frozenset({"text"})
    text: Note
    kegiatan_id: str | None = Field(default=None, min_length=1, max_length=100, description="a kegiatan of the events service")


class ReportOut(BaseModel):
    id: str
    version: int
    region: str
    location: dict[str, Any]
    title: str
    chronology: str | None = None
    category: str
    category_label: str
    severity: str
    rubric_severity: str
    facts: dict[str, Any]
    people_estimate: int | None
    parties: list[dict[str, Any]]
    source_kind: str
    reporter: dict[str, Any] | None = Field(description="only for the office's verifiers and head")
    status: str
    allowed_steps: list[str]
    assignee: dict[str, Any] | None
    actions: list[dict[str, Any]]
    photos: list[dict[str, Any]]
    escalated: dict[str, dt.datetime]
    occurred_at: dt.datetime
    received_at: dt.datetime
    verified_at: dt.datetime | None
    handled_at: dt.datetime | None
    resolved_at: dt.datetime | None
    timeline: list[dict[str, Any]] | None = None


class ReportPage(BaseModel):
    items: list[ReportOut]
    next_cursor: str | None


class Received(BaseModel):
    id: str
    severity: str
    status: str


def out(doc: dict[str, Any], principal: Principal, *, full: bool = True) -> ReportOut:
    reporter = doc.get("reporter") if use.can_see_reporter(principal, doc) else None
    return ReportOut(
        id=doc["_id"], version=doc["version"], region=doc["region"], location=doc["location"], title=doc["title"],
        chronology=doc.get("chronology") if full else None, category=doc["category"],
        category_label=domain.CATEGORIES[doc["category"]], severity=doc["severity"],
        rubric_severity=doc.get("rubric_severity") or doc["severity"], facts=doc.get("facts") or {},
        people_estimate=doc.get("people_estimate"), parties=doc.get("parties") or [], source_kind=doc["source_kind"],
        reporter=reporter, status=doc["status"], allowed_steps=domain.allowed(doc), assignee=doc.get("assignee"),
        actions=doc.get("actions") or [],
        photos=[{"id": p["_id"], **{k: p[k] for k in ("name", "content_type", "size")}} for p in doc.get("photos") or []], escalated=doc.get("escalated") or {},
        occurred_at=doc["occurred_at"], received_at=doc["received_at"], verified_at=doc.get("verified_at"),
        handled_at=doc.get("handled_at"), resolved_at=doc.get("resolved_at"),
        timeline=doc.get("timeline") if full else None)


def _created(response: Response, doc: dict[str, Any]) -> None:
    response.headers["Location"] = f"/reports/{doc['_id']}"
    set_etag(response, doc)


@router.post("/reports", status_code=201, response_model=ReportOut)
async def create_report(body: ReportIn, response: Response, principal: Intake, ports: AllPorts) -> ReportOut:
    """A report from a team member or office staff; its severity comes from the rubric, and tinggi
    or kritis tell the province's team (kritis the national team too) at once."""
    doc = await use.receive(ports, principal, body.model_dump())
    _created(response, doc)
    return out(doc, principal)


@router.post("/public/reports", status_code=201, response_model=Received)
async def create_public_report(body: PublicReportIn, request: Request, ports: AllPorts, limiter: Limiter) -> Received:
    """The public intake: no token, anonymous unless a name is given, limited per client address.
    The answer says only that it was received."""
    if not await limiter.allow(request.client.host if request.client else "unknown"):
        raise errors.TooManyRequests("too many reports from this address; try again in a minute", retry_after=60)
    doc = await use.receive(ports, None, body.model_dump())
    return Received(id=doc["_id"], severity=doc["severity"], status=doc["status"])


@router.get("/reports", response_model=ReportPage)
async def list_reports(principal: Current, ports: AllPorts, region: str | None = Query(default=None, max_length=13),
                       status: Status | None = None, severity: Severity | None = None,
                       category: Category | None = None, open: bool = Query(default=False, description="open reports only"),
                       limit: int = Query(default=50, ge=1, le=200),
                       cursor: str | None = Query(default=None, max_length=80)) -> ReportPage:
    scope = check_region(principal, region) if region is not None else principal.region
    before = None
    if cursor:
        try:
            at, _, rid = cursor.partition("~")
            before = (dt.datetime.fromisoformat(at), rid)
        except ValueError:
            raise errors.Invalid("not a cursor this API gave", errors=[{"field": "cursor", "message": "invalid"}]) from None
    docs = await ports.reports.list(scope=scope, status=status, severity=severity, category=category, open_only=open,
                                    limit=limit + 1, before=before)
    more = len(docs) > limit
    docs = docs[:limit]
    nxt = f"{docs[-1]['received_at'].isoformat()}~{docs[-1]['_id']}" if more and docs else None
    return ReportPage(items=[out(d, principal, full=False) for d in docs], next_cursor=nxt)


@router.get("/reports/{report_id}", response_model=ReportOut)
async def get_report(report_id: str, response: Response, principal: Current, ports: AllPorts) -> ReportOut:
    doc = await use.visible(ports, principal, report_id)
    set_etag(response, doc)
    return out(doc, principal)


@router.get("/reports/{report_id}/photos/{photo_id}")
async def get_photo(report_id: str, photo_id: str, principal: Current, ports: AllPorts) -> Response:
    await use.visible(ports, principal, report_id)
    found = await ports.reports.attachment(report_id, photo_id)
    if found is None:
        raise errors.NotFound("no such photo")
    return Response(bytes(found["data"]), media_type=found["content_type"], headers={"Cache-Control": "private, max-age=3600"})


@router.post("/reports/{report_id}/verification", response_model=ReportOut)
async def verify_report(report_id: str, body: VerifyIn, response: Response, principal: Verifier, ports: AllPorts,
                        if_match: str | None = Header(default=None)) -> ReportOut:
    """diterima → diverifikasi (perhaps at another severity, with the reason) or tidak_terbukti."""
    doc = await use.verify(ports, principal, report_id, proven=body.proven, severity=body.severity, note=body.note,
                           if_match=if_match)
    set_etag(response, doc)
    return out(doc, principal)


@router.post("/reports/{report_id}/handling", response_model=ReportOut)
async def handle_report(report_id: str, body: StepIn, response: Response, principal: Handler, ports: AllPorts,
                        if_match: str | None = Header(default=None)) -> ReportOut:
    doc = await use.handle(ports, principal, report_id, note=body.note, if_match=if_match)
    set_etag(response, doc)
    return out(doc, principal)


@router.post("/reports/{report_id}/resolution", response_model=ReportOut)
async def resolve_report(report_id: str, body: ResolveIn, response: Response, principal: Handler, ports: AllPorts,
                         if_match: str | None = Header(default=None)) -> ReportOut:
    doc = await use.resolve(ports, principal, report_id, note=body.note, if_match=if_match)
    set_etag(response, doc)
    return out(doc, principal)


@router.put("/reports/{report_id}/assignee", response_model=ReportOut)
async def assign_report(report_id: str, body: AssignIn, response: Response, principal: Verifier, ports: AllPorts,
                        if_match: str | None = Header(default=None)) -> ReportOut:
    doc = await use.assign(ports, principal, report_id, body.member_id, if_match)
    set_etag(response, doc)
    return out(doc, principal)


@router.post("/reports/{report_id}/actions", status_code=201, response_model=ReportOut)
async def add_action(report_id: str, body: ActionIn, response: Response, principal: Handler, ports: AllPorts,
                     if_match: str | None = Header(default=None)) -> ReportOut:
    """A follow-up action (a dialog, a mediation, an apel…), linked to a kegiatan by id when there is one."""
    doc = await use.add_action(ports, principal, report_id, text=body.text, kegiatan_id=body.kegiatan_id,
                               if_match=if_match)
    set_etag(response, doc)
    return out(doc, principal)


class OrmasOut(BaseModel):
    id: str
    name: str
    acronym: str | None
    region: str | None


@router.get("/ormas", response_model=list[OrmasOut])
async def find_ormas(principal: Current, copy: Copy, q: str = Query(default="", max_length=100),
                     region: str | None = Query(default=None, max_length=13)) -> list[OrmasOut]:
    """Ormas to name as parties, from this service's copy of the registry."""
    scope = check_region(principal, region) if region is not None else principal.region
    return [OrmasOut(id=d["_id"], name=d["name"], acronym=d.get("acronym"), region=d.get("region"))
            for d in await copy.search(scope, q.strip())]


