"""Use cases of activity reports: an ormas account sends its semester's report; the office sees who
reported and who did not, reads a report, and reminds the late ones (``activity_report_due``, which
notifications turns into a message to the ormas — once per ormas and semester). The ormas record
keeps each report's summary and raises its event in the same write (``activity_reported``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from services.registry.application.ormas import Ports, visible, written
from services.registry.changes import event_entry
from services.registry.domain import activity as domain
from shared import errors, regions
from shared.auth import Principal, check_region


def _today(region: str) -> dt.date:
    return dt.datetime.now(regions.ZONES[regions.zone_of(region or "31")]).date()


async def submit(ports: Ports, principal: Principal, body: Mapping[str, Any]) -> dict[str, Any]:
    """The ormas account's report of ``body["period"]`` (a later one of the same period replaces it)."""
    doc = await ports.ormas.get(principal.ormas_id or "")
    if doc is None:
        raise errors.NotFound("the ormas of this account is gone")
    period = body["period"]
    try:
        domain.check_open(period, _today(doc["region"]))
        kept = domain.report(body, period)
    except errors.FieldError as e:
        raise errors.Invalid(str(e), errors=[{"field": e.field, "message": e.message}]) from None
    now = dt.datetime.now(dt.UTC)
    await ports.ormas.keep_activity_report(doc["_id"], period, {**kept, "submitted_at": now, "by": principal.subject})
    summary = domain.summary(kept, now)
    for _ in range(3):
        after = {**doc, "version": doc["version"] + 1, "activity": {**(doc.get("activity") or {}), period: summary}}
        event = event_entry("activity_reported", after, {"period": period, "activities": summary["activities"],
                                                         "people_reached": summary["people_reached"],
                                                         "funding_sources": summary["funding_sources"]})
        new = await ports.ormas.change(doc["_id"], doc["version"], {f"activity.{period}": summary},
                                       {"at": now, "by": principal.subject, "action": "activity_reported",
                                        "period": period}, [event])
        if new is not None:
            written(ports, new)
            return {"period": period, **kept, "submitted_at": now}
        doc = await ports.ormas.get(doc["_id"])  # the office changed the record meanwhile: on top of it
    raise errors.StaleVersion("the ormas changed meanwhile; send the report again")


async def own(ports: Ports, principal: Principal) -> list[dict[str, Any]]:
    doc = await ports.ormas.get(principal.ormas_id or "")
    if doc is None:
        raise errors.NotFound("the ormas of this account is gone")
    return [{"period": p, **s} for p, s in sorted((doc.get("activity") or {}).items(), reverse=True)]


async def compliance(ports: Ports, principal: Principal, region: str | None, period: str) -> dict[str, Any]:
    """Who of the office's ormas expected to report did, for ``period``."""
    scope = check_region(principal, principal.region if region is None else region)
    try:
        domain.bounds(period)
    except errors.FieldError as e:
        raise errors.Invalid(str(e), errors=[{"field": "period", "message": e.message}]) from None
    rows = await ports.ormas.expected_to_report(scope, domain.EXPECTED)
    items = [{"ormas_id": r["_id"], "name": r["name"], "acronym": r.get("acronym"), "region": r["region"],
              "status": r["status"], "report": (r.get("activity") or {}).get(period),
              "reminded_at": (r.get("activity_due") or {}).get(period)} for r in rows]
    reported = sum(1 for i in items if i["report"])
    return {"region": scope, "period": period, "due_on": domain.due_on(period), "expected": len(items),
            "reported": reported, "late": domain.late(period, _today(scope)), "items": items}


async def one(ports: Ports, principal: Principal, ormas_id: str, period: str) -> dict[str, Any]:
    await visible(ports.ormas, principal, ormas_id)
    found = await ports.ormas.activity_report(ormas_id, period)
    if found is None:
        raise errors.NotFound("this ormas has not reported this semester")
    return found


async def remind(ports: Ports, principal: Principal, period: str, region: str | None = None) -> int:
    """Every ormas of ``region`` (the caller's office by default) that has not reported ``period``
    is reminded once (the mark and its event are one write of its record). How many were reminded."""
    status = await compliance(ports, principal, region, period)
    now = dt.datetime.now(dt.UTC)
    due = domain.due_on(period)
    done = 0
    for item in status["items"]:
        if item["report"] or item["reminded_at"] or not principal.can_write(item["region"]):
            continue
        doc = await ports.ormas.get(item["ormas_id"])
        if doc is None or (doc.get("activity") or {}).get(period) or (doc.get("activity_due") or {}).get(period):
            continue
        after = {**doc, "version": doc["version"] + 1}
        event = event_entry("activity_report_due", after, {"period": period, "due_on": due.isoformat()})
        new = await ports.ormas.change(doc["_id"], doc["version"], {f"activity_due.{period}": now},
                                       {"at": now, "by": principal.subject, "action": "activity_report_reminded",
                                        "period": period}, [event])
        if new is not None:
            written(ports, new)
            done += 1
    return done
