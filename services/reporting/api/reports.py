"""Compiled reports: request (202, compiled by Celery), follow (status and progress), download,
retry. Two requests for the same region and period join one compilation."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from services.reporting.adapters.reports import Reports as ReportsAdapter
from services.reporting.api.stats import _scope
from services.reporting.application import upward
from services.reporting.deps import Current, Reports, Requester
from services.reporting.domain import reports
from shared import regions
from shared.auth import Principal
from shared.text import Input
from shared.web import Conflict, NotFound, content_disposition

router = APIRouter(tags=["reports"])


class ReportIn(Input):
    region: str | None = Field(default=None, max_length=13, description="default: your office's")
    period: str = Field(max_length=8, examples=["2026-11", "2026-Q4", "2026", "2026-W49"],
                        description="a month, a quarter, a year, or an ISO week: the weekly situation report of early warning")
    formats: list[Literal["pdf", "xlsx", "csv"]] = Field(default_factory=lambda: list(reports.FORMATS), min_length=1, max_length=3)
    refresh: bool = Field(default=False, description="compile again a report already done")


class ReportOut(BaseModel):
    id: str
    region: str
    period: str
    title: str
    status: Literal["queued", "running", "done", "failed"]
    progress: int
    error: str | None
    files: dict[str, Any]
    attempts: int
    requested_at: dt.datetime
    finished_at: dt.datetime | None = None
    submission: dict[str, Any] | None = Field(
        default=None, description="sent up to the office above: to, by, at, and its acknowledgement (by, at) once received")


def _submission(doc: dict[str, Any]) -> dict[str, Any] | None:
    sent = doc.get("submission")
    if not sent:
        return None
    to = regions.get(sent["to"]) if sent["to"] else None
    return {"to": sent["to"], "to_name": to.name if to else "Nasional", "by": sent["by"], "at": sent["at"],
            "current": sent.get("finished_at") == doc.get("finished_at"), "acknowledged": sent.get("acknowledged")}


def _out(doc: dict[str, Any]) -> ReportOut:
    return ReportOut(id=doc["_id"], region=doc["region"], period=doc["period"], title=doc["title"], status=doc["status"],
                     progress=doc.get("progress", 0), error=doc.get("error"),
                     files={f: {**meta, "url": f"/reports/{doc['_id']}/files/{f}"} for f, meta in (doc.get("files") or {}).items()},
                     attempts=doc.get("attempts", 0), requested_at=doc["requested_at"], finished_at=doc.get("finished_at"),
                     submission=_submission(doc))


def _enqueue(report_id: str) -> None:
    from services.reporting.worker import compile_report

    compile_report.delay(report_id)


@router.post("/reports", status_code=202, response_model=ReportOut)
async def request_report(body: ReportIn, response: Response, principal: Requester, store: Reports) -> ReportOut:
    scope = _scope(principal, body.region)
    rid = await store.queue(scope, body.period, sorted(set(body.formats)), by=principal.subject, today=_today(scope),
                            refresh=body.refresh)  # InvalidReport: 422 naming the period
    if rid is not None:
        await asyncio.to_thread(_enqueue, rid)
    doc = await store.get(reports.report_id(scope, body.period))
    if doc["status"] == "done":
        response.status_code = 200
    response.headers["Location"] = f"/reports/{doc['_id']}"
    return _out(doc)


def _today(scope: str) -> dt.date:
    """Today where the report is made (the nation's: in Papua, where a day begins first): a month
    has begun there even while it is still the last day of the previous one in UTC."""
    r = regions.get(scope)
    return dt.datetime.now(regions.ZONES[r.zone if r else "WIT"]).date()


async def _visible(store: ReportsAdapter, principal: Principal, report_id: str) -> dict[str, Any]:
    doc = await store.get(report_id)
    if doc is None or not principal.can_see(doc["region"]):
        raise NotFound("no such report")
    return doc


class ReportList(BaseModel):
    items: list[ReportOut]


@router.get("/reports", response_model=ReportList)
async def list_reports(principal: Current, store: Reports,
                       region: str | None = Query(default=None, max_length=13, description="default: your office's"),
                       limit: int = Query(default=10, ge=1, le=50)) -> ReportList:
    """The newest compiled reports of the region and below (its own and its children's)."""
    return ReportList(items=[_out(d) for d in await store.recent(_scope(principal, region), limit)])


@router.get("/reports/inbox", response_model=ReportList)
async def inbox(principal: Current, store: Reports, limit: int = Query(default=20, ge=1, le=100)) -> ReportList:
    """The reports the offices below sent up to the caller's office, newest first."""
    return ReportList(items=[_out(d) for d in await upward.inbox(store, principal, limit)])


@router.post("/reports/{report_id}/submission", response_model=ReportOut)
async def submit(report_id: str, principal: Requester, store: Reports) -> ReportOut:
    """Sends the office's own compiled report to the office above (a city's to its province)."""
    return _out(await upward.submit(store, principal, report_id))


@router.post("/reports/{report_id}/acknowledgement", response_model=ReportOut)
async def acknowledge(report_id: str, principal: Requester, store: Reports) -> ReportOut:
    """The office a report was sent to marks it received; the sender sees who and when."""
    return _out(await upward.acknowledge(store, principal, report_id))


@router.get("/reports/{report_id}", response_model=ReportOut)
async def get_report(report_id: str, principal: Current, store: Reports) -> ReportOut:
    return _out(await _visible(store, principal, report_id))


@router.get("/reports/{report_id}/files/{fmt}", responses={200: {"content": {m: {} for m in reports.MEDIA.values()}}})
async def download(report_id: str, fmt: Literal["pdf", "xlsx", "csv"], principal: Current, store: Reports) -> Response:
    doc = await _visible(store, principal, report_id)
    if doc["status"] != "done" or fmt not in (doc.get("files") or {}):
        raise NotFound(f"no {fmt} file (the report is {doc['status']})")
    f = await store.file(report_id, fmt)
    if f is None:
        raise NotFound("the file is gone; compile the report again")
    name = f"laporan-{report_id.replace(':', '-')}.{fmt}"
    return Response(bytes(f["data"]), media_type=reports.MEDIA[fmt],
                    headers={"Content-Disposition": content_disposition(name), "Cache-Control": "private, max-age=300"})


@router.post("/reports/{report_id}/retry", status_code=202, response_model=ReportOut)
async def retry(report_id: str, principal: Requester, store: Reports) -> ReportOut:
    doc = await _visible(store, principal, report_id)
    if doc["status"] != "failed":
        raise Conflict(f"only a failed report is retried; this one is {doc['status']}", current_status=doc["status"])
    if await store.retry(report_id):
        await asyncio.to_thread(_enqueue, report_id)
    return _out(await store.get(report_id))
