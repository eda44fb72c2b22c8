"""Reporting HTTP API: figures for dashboards."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import redis.asyncio as aioredis
from fastapi import APIRouter, Query, Response

from services.reporting.adapters.figures import kegiatan_figures, one_kegiatan_figures
from services.reporting.adapters.store import Projections as ProjectionsAdapter
from services.reporting.deps import Config, Current, Database, FilteredSlot, OrmasAccount, Projections, Redis
from services.reporting.domain import earlywarning
from services.reporting.domain import projections as projection_rules
from shared import errors, regions
from shared.auth import Principal, check_region
from shared.contracts.registry_schemas import KINDS
from shared.web import NotFound, Unprocessable

router = APIRouter(tags=["dashboard"])


@router.get("/stats/ormas")
async def ormas_stats(response: Response, principal: Current, projections: Projections, redis: Redis,
                      slot: FilteredSlot, config: Config,
                      region: str | None = Query(default=None, description="Kemendagri code; default: your office's"),
                      kind: str | None = Query(default=None, max_length=20),
                      bidang: str | None = Query(default=None, max_length=80)) -> dict:
    """An office's ormas by status, kind, legal form, bidang and child region (every child listed,
    with its name), SKTs expiring and expired, sanctions; optionally only one kind or bidang."""
    scope = _scope(principal, region)
    kind = kind or None
    if kind is not None and kind not in KINDS:
        raise Unprocessable(f"kind: {kind!r} is not one of {', '.join(KINDS)}",
                            errors=[{"field": "kind", "message": "unknown kind"}])
    bidang = (bidang or "").strip().lower() or None
    if kind and bidang:
        figures = await _filtered(projections, redis, slot, config.topic_prefix, scope, kind, bidang)
    else:  # the counters of the scope, or of its kind or bidang (domain/projections.facet_scope)
        figures = await projections.ormas_figures(scope, kind=kind, bidang=bidang)
    r = regions.get(scope)
    children = [{"code": c.code, "name": c.name, "ormas": figures["by_child"].get(c.code, 0)}
                for c in (regions.provinces() if scope == regions.NATIONAL else regions.children(scope))]
    response.headers["Cache-Control"] = "private, max-age=5"
    return {"region": scope, "name": r.name if r else "Indonesia", **figures, "children": children,
            "parent": regions.parent(scope)}


FILTERED_TTL = 5  # seconds a filtered count is served from Redis (the dashboard's own max-age)
FILTERED_WAIT = 1.0  # seconds a request waits for this replica's one filtered count slot


async def _filtered(projections: ProjectionsAdapter, redis: aioredis.Redis, slot: asyncio.Semaphore, prefix: str,
                    scope: str, kind: str | None, bidang: str | None) -> dict:
    """Figures of one kind and one bidang at once are counted from the rows (seconds at a province's size): a
    replica counts one at a time, others wait a moment and then get 429 with Retry-After, and
    every count is kept in Redis for a few seconds, so that no analyst can tie reporting up."""
    key = f"kesbang:stats:{prefix}:{scope}|{kind or ''}|{bidang or ''}|{dt.date.today()}"
    cached = await redis.get(key)
    if cached is not None:
        return json.loads(cached)
    try:
        await asyncio.wait_for(slot.acquire(), FILTERED_WAIT)
    except asyncio.TimeoutError:
        raise TooBusy("figures filtered by kind and bidang are being counted; retry in a few seconds",
                      retry_after=5) from None
    try:
        cached = await redis.get(key)  # counted meanwhile by the request we waited for
        if cached is not None:
            return json.loads(cached)
        figures = await projections.ormas_figures(scope, kind=kind, bidang=bidang)
        await redis.set(key, json.dumps(figures), ex=FILTERED_TTL)
        return figures
    finally:
        slot.release()


TooBusy = errors.TooManyRequests


def _scope(principal: Principal, region: str | None) -> str:
    return check_region(principal, principal.region if region is None else region)


MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
MAX_MONTHS = 60


@router.get("/stats/kegiatan")
async def kegiatan_stats(response: Response, principal: Current, db: Database,
                         region: str | None = Query(default=None, description="Kemendagri code; default: your office's"),
                         since: str | None = Query(default=None, pattern=MONTH, description="first month, YYYY-MM"),
                         until: str | None = Query(default=None, pattern=MONTH, description="last month, YYYY-MM")) -> dict:
    """Kegiatan by type, month, status and child region; invitations, answers and attendance; how
    the invitations were delivered; aspirations and their follow-up — over a period of at most five
    years, in the caller's scope."""
    scope = _scope(principal, region)
    if since and until:
        if since > until:
            raise Unprocessable("since is after until", errors=[{"field": "since", "message": "after until"}])
        months = (int(until[:4]) - int(since[:4])) * 12 + int(until[5:]) - int(since[5:]) + 1
        if months > MAX_MONTHS:
            raise Unprocessable(f"a period covers at most {MAX_MONTHS} months",
                                errors=[{"field": "until", "message": f"more than {MAX_MONTHS} months after since"}])
    figures = await kegiatan_figures(db, scope, since, until)
    response.headers["Cache-Control"] = "private, max-age=5"
    return figures


@router.get("/stats/kegiatan/{kegiatan_id}")
async def one_kegiatan_stats(kegiatan_id: str, response: Response, principal: Current, db: Database) -> dict:
    """One kegiatan's figures as the dashboard counts them: invited, answered, checked in (walk-ins
    apart), its invitations' deliveries by channel and status, its aspirations by follow-up."""
    figures = await one_kegiatan_figures(db, kegiatan_id)
    if figures is None or not principal.can_see(figures["region"] or "-"):
        raise NotFound("no such kegiatan")
    response.headers["Cache-Control"] = "private, max-age=5"
    return figures


@router.get("/stats/ormas/{ormas_id}/engagement")
async def engagement(ormas_id: str, response: Response, principal: Current, projections: Projections) -> dict:
    """One ormas over time: kegiatan it was invited to, answered and attended, by month."""
    ormas, rows = await projections.engagement(ormas_id)
    if ormas is None or not principal.can_see(ormas["region"]):
        raise NotFound("no such ormas")
    response.headers["Cache-Control"] = "private, max-age=30"
    return _engagement(ormas_id, ormas, rows)


@router.get("/portal/engagement")
async def own_engagement(principal: OrmasAccount, projections: Projections) -> dict:
    """An ormas account's own figures: the kegiatan its ormas was invited to, answered and attended."""
    ormas, rows = await projections.engagement(principal.ormas_id)
    if ormas is None:
        raise NotFound("your ormas has no figures yet")
    return _engagement(principal.ormas_id, ormas, rows)


def _engagement(ormas_id: str, ormas: dict, rows: list[dict]) -> dict:
    months: dict[str, dict[str, int]] = {}
    for p in rows:
        m = months.setdefault(p.get("month") or "?", {"invited": 0, "attending": 0, "attended": 0})
        m["invited"] += 1 if p.get("invited") else 0
        m["attending"] += 1 if p.get("attending") else 0
        m["attended"] += 1 if p.get("checked_in") else 0
    total = {k: sum(m[k] for m in months.values()) for k in ("invited", "attending", "attended")}
    return {"ormas_id": ormas_id, "name": ormas["name"], "region": ormas["region"], **total,
            "attendance_rate": round(total["attended"] / total["invited"], 3) if total["invited"] else None,
            "by_month": dict(sorted(months.items()))}


@router.get("/stats/earlywarning")
async def earlywarning_stats(response: Response, principal: Current, projections: Projections,
                             region: str | None = Query(default=None, description="Kemendagri code; default: your office's"),
                             week: str | None = Query(default=None, pattern=r"^[0-9]{4}-W[0-9]{2}$",
                                                      description="ISO week, 2020-W49; default: this week"),
                             weeks: int = Query(default=8, ge=1, le=52, description="weeks in the trend")) -> dict:
    """Reports of potential social conflict in the caller's scope, rolled up: by category, severity,
    status and child region; the open tinggi and kritis ones; the trend per week; the mean hours to
    verify and to resolve; and the figures of one week."""
    scope = _scope(principal, region)
    week = week or earlywarning.week_of(dt.datetime.now(dt.UTC))
    try:
        earlywarning.week_bounds(week)
    except ValueError:
        raise Unprocessable(f"{week} is no ISO week", errors=[{"field": "week", "message": "no such week"}]) from None
    figures = earlywarning.figures(await projections.report_rows(scope), scope, week=week, weeks=weeks)
    r = regions.get(scope)
    response.headers["Cache-Control"] = "private, max-age=5"
    return {"region": scope, "name": r.name if r else "Indonesia", **figures}


@router.get("/stats/activity-reports")
async def activity_report_stats(response: Response, principal: Current, projections: Projections,
                                period: str = Query(pattern=r"^[0-9]{4}-S[12]$", description="the semester, 2026-S2"),
                                region: str | None = Query(default=None, description="Kemendagri code; default: your office's")
                                ) -> dict:
    """Reporting compliance: of the ormas expected to report their activities (registered, or legal
    entities), how many reported the semester — in the scope and by child region, rolled up."""
    scope = _scope(principal, region)
    figures = projection_rules.activity_compliance(await projections.activity_rows(scope), scope, period)
    r = regions.get(scope)
    response.headers["Cache-Control"] = "private, max-age=30"
    return {"region": scope, "name": r.name if r else "Indonesia", "period": period, **figures}
