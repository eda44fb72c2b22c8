"""Reporting upward: a city's compiled report is sent to its province (a province's to the nation),
which acknowledges it; the city sees that it was received. Both offices work in this service, so
the report travels as a mark on it, never as a copy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.reporting.adapters.reports import Reports
from shared import errors, regions
from shared.auth import Principal


async def _report(store: Reports, principal: Principal, report_id: str) -> dict[str, Any]:
    doc = await store.get(report_id)
    if doc is None or not (principal.can_see(doc["region"]) or principal.region == regions.parent(doc["region"])):
        raise errors.NotFound("no such report")
    return doc


async def submit(store: Reports, principal: Principal, report_id: str) -> dict[str, Any]:
    """Sends the office's own compiled report up, as it stands; sent again after a refresh, the
    new one replaces the old and waits for its own acknowledgement."""
    doc = await _report(store, principal, report_id)
    if principal.region != doc["region"]:
        raise errors.NotAllowed("an office sends up its own reports")
    up = regions.parent(doc["region"])
    if up is None:
        raise errors.Conflict("the national report goes to no office above it")
    if doc["status"] != "done":
        raise errors.Conflict(f"only a compiled report is sent; this one is {doc['status']}", current_status=doc["status"])
    sent = doc.get("submission")
    if sent and sent.get("finished_at") == doc["finished_at"]:
        return doc  # sent already as it stands
    new = await store.submit(report_id, doc["finished_at"], {
        "to": up, "by": principal.subject, "at": dt.datetime.now(dt.UTC), "finished_at": doc["finished_at"],
        "acknowledged": None})
    if new is None:
        raise errors.Conflict("the report was compiled again meanwhile; send it once it is done")
    return new


async def acknowledge(store: Reports, principal: Principal, report_id: str) -> dict[str, Any]:
    """The receiving office marks a report sent to it as received."""
    doc = await _report(store, principal, report_id)
    sent = doc.get("submission")
    if not sent or sent["to"] != principal.region:
        raise errors.NotFound("no such report sent to your office")
    if sent.get("acknowledged"):
        return doc
    new = await store.acknowledge(report_id, sent["at"], {"by": principal.subject, "at": dt.datetime.now(dt.UTC)})
    if new is None:
        raise errors.Conflict("the report was sent again meanwhile; acknowledge the new one")
    return new


async def inbox(store: Reports, principal: Principal, limit: int) -> list[dict[str, Any]]:
    """The reports sent up to the caller's office, newest first."""
    return await store.sent_to(principal.region, limit)
