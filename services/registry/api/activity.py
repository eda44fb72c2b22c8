"""Activity reports over HTTP: the ormas account's own (``/portal/activity-reports``) and the
office's view of who reported a semester, a report, and the reminder of the late ones."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.registry.application import activity as use
from services.registry.deps import Current, OrmasPorts, Writer
from services.registry.domain.activity import FUNDING
from shared.auth import Principal
from shared.text import Input
from shared.web import current_principal

router = APIRouter(tags=["activity reports"])
OrmasAccount = Annotated[Principal, Depends(current_principal(ormas="only"))]
PERIOD = r"^[0-9]{4}-S[12]$"


class Activity(Input):
    date: dt.date
    title: str = Field(min_length=1, max_length=300)
    people: int | None = Field(default=None, ge=0, le=10_000_000)
    place: str | None = Field(default=None, max_length=200)


class ActivityReportIn(Input):
    multiline = frozenset({"notes"})
    period: str = Field(pattern=PERIOD, examples=["2026-S2"], description="the semester reported")
    activities: list[Activity] = Field(min_length=1, max_length=100)
    people_reached: int = Field(ge=0, le=100_000_000)
    funding_sources: list[str] = Field(default_factory=list, max_length=len(FUNDING),
                                       description=", ".join(FUNDING))
    notes: str | None = Field(default=None, max_length=5_000)


class Compliance(BaseModel):
    region: str
    period: str
    due_on: dt.date
    expected: int
    reported: int
    late: bool = Field(description="the semester's report is past due")
    items: list[dict[str, Any]]


@router.post("/portal/activity-reports", status_code=201)
async def send_activity_report(body: ActivityReportIn, principal: OrmasAccount, ports: OrmasPorts) -> dict:
    """The ormas's report of a semester's activities (a later one of the same semester replaces it)."""
    return await use.submit(ports, principal, body.model_dump())


@router.get("/portal/activity-reports")
async def own_activity_reports(principal: OrmasAccount, ports: OrmasPorts) -> list[dict]:
    return await use.own(ports, principal)


@router.get("/activity-reports", response_model=Compliance)
async def activity_compliance(principal: Current, ports: OrmasPorts, period: str = Query(pattern=PERIOD),
                              region: str | None = Query(default=None, max_length=13)) -> Compliance:
    """The office's ormas expected to report (registered, or legal entities) and who reported."""
    return Compliance(**await use.compliance(ports, principal, region, period))


@router.get("/activity-reports/{ormas_id}/{period}")
async def activity_report(ormas_id: str, period: str, principal: Current, ports: OrmasPorts) -> dict:
    return await use.one(ports, principal, ormas_id, period)


class RemindIn(Input):
    period: str = Field(pattern=PERIOD)
    region: str | None = Field(default=None, max_length=13, description="default: your office's")


class Reminded(BaseModel):
    reminded: int


@router.post("/activity-reports/reminders", response_model=Reminded)
async def remind_late(body: RemindIn, principal: Writer, ports: OrmasPorts) -> Reminded:
    """Each ormas of the region that has not reported the semester is reminded, once."""
    return Reminded(reminded=await use.remind(ports, principal, body.period, body.region))
