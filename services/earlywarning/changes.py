"""The ``earlywarning.report`` events a report's changes raise (keyed by the report, so one
report's events keep their order), built from the report as it is after the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from shared import outbox, tracing
from shared.contracts import make_event

SOURCE = "/kesbang/earlywarning"
TOPIC = "earlywarning.report"


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def snapshot(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The report as events carry it: what the other services count and show, no reporter."""
    return {"report_id": doc["_id"], "version": doc["version"], "region": doc["region"],
            "location_code": doc["location"]["code"], "title": doc["title"], "category": doc["category"],
            "severity": doc["severity"], "status": doc["status"], "source_kind": doc["source_kind"],
            "people_estimate": doc.get("people_estimate"),
            "parties": [{"ormas_id": p.get("ormas_id"), "name": p["name"]} for p in doc.get("parties") or []],
            "kegiatan_ids": sorted({a["kegiatan_id"] for a in doc.get("actions") or [] if a.get("kegiatan_id")}),
            "occurred_at": _iso(doc["occurred_at"]), "received_at": _iso(doc["received_at"]),
            "verified_at": _iso(doc.get("verified_at")), "handled_at": _iso(doc.get("handled_at")),
            "resolved_at": _iso(doc.get("resolved_at"))}


def report_event(name: str, doc: Mapping[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """One event of the report ``doc`` (at its new version); an escalation and a reminder are
    events of their own beside the change that caused them, so each has its own sequence name."""
    event = make_event(f"earlywarning.report.{name}", source=SOURCE, subject=f"report/{doc['_id']}",
                       data={**snapshot(doc), "change": change}, region=doc["region"], sequence=doc["version"],
                       traceparent=tracing.current_traceparent())
    return outbox.entry(TOPIC, doc["_id"], event)


def recipient(member: Mapping[str, Any]) -> dict[str, Any]:
    """A team member as an alert names them: how to reach them, nothing else."""
    return {"member_id": member["_id"], "name": member["name"], "region": member["region"],
            "email": member.get("email"), "whatsapp": member.get("whatsapp"), "phone": member.get("phone")}
