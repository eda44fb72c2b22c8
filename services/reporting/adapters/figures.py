"""The figures an office reports upward, computed from the projections: shared by the dashboard
API and the compiled reports."""

from __future__ import annotations

import asyncio
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.reporting.domain.projections import child_key, kegiatan_figures_from_counters, scope_doc_id
from shared import regions
from shared.mongo import id_prefix


async def kegiatan_figures(db: AsyncDatabase, scope: str, since: str | None, until: str | None) -> dict[str, Any]:
    """From the scope's month documents of counters (an _id prefix: an index range)."""
    prefix = f"{scope_doc_id(scope)}|"
    docs = [d async for d in db["kegiatan_counters"].find({"_id": id_prefix(prefix)})
            if (not since or d["_id"].rsplit("|", 1)[1] >= since) and (not until or d["_id"].rsplit("|", 1)[1] <= until)]
    r = regions.get(scope)
    return {"region": scope, "name": r.name if r else "Indonesia", "since": since, "until": until,
            **kegiatan_figures_from_counters(docs)}


async def kegiatan_figures_counted(db: AsyncDatabase, scope: str, since: str | None, until: str | None) -> dict[str, Any]:
    """The same figures counted from the rows (the baseline, and the check of the counters)."""
    match: dict = {"region": {"$regex": regions.prefix_regex(scope)}} if scope else {}
    if since or until:
        match["month"] = {k: v for k, v in (("$gte", since), ("$lte", until)) if v}
    kegiatan = [k async for k in db["kegiatan"].find(match)]
    ids = {k["_id"] for k in kegiatan}
    key = child_key(scope)

    def count(rows, field):
        out: dict[str, int] = {}
        for r in rows:
            if r.get(field):
                out[r[field]] = out.get(r[field], 0) + 1
        return dict(sorted(out.items()))

    in_scope = {"region": match["region"]} if "region" in match else {}
    people = [p async for p in db["participation"].find(in_scope) if p.get("kegiatan_id") in ids]
    p = _participation(people)
    deliveries = _deliveries([d async for d in db["deliveries"].find({}) if d.get("kegiatan_id") in ids])
    aspirations = [a async for a in db["aspirations"].find(in_scope) if a.get("kegiatan_id") in ids]
    r = regions.get(scope)
    return {
        "region": scope, "name": r.name if r else "Indonesia", "since": since, "until": until,
        "kegiatan": {"total": len(kegiatan), "by_type": count(kegiatan, "type"), "by_month": count(kegiatan, "month"),
                     "by_status": count(kegiatan, "status"), "by_child": count(kegiatan, key)},
        "participation": {**p, "rsvp_rate": round((p["attending"] + p["declined"]) / p["invited"], 3) if p["invited"] else None,
                          "attendance_rate": round(p["checked_in"] / p["invited"], 3) if p["invited"] else None},
        "deliveries": deliveries,
        "aspirations": {"total": len(aspirations), "by_status": count(aspirations, "status")},
    }


def _participation(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Invited, answered yes or no, and checked in, over participation rows (walk-ins apart)."""
    people = [p for p in rows if p.get("kind") != "walk_in"]
    return {"invited": sum(1 for p in people if p.get("invited")),
            "attending": sum(1 for p in people if p.get("attending") is True),
            "declined": sum(1 for p in people if p.get("attending") is False),
            "checked_in": sum(1 for p in people if p.get("checked_in"))}


def _deliveries(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Invitation messages by channel and status."""
    out: dict[str, dict[str, int]] = {}
    for d in rows:
        if d.get("kind") == "invitation":
            ch = out.setdefault(d["channel"], {})
            ch[d["status"]] = ch.get(d["status"], 0) + 1
    return out


async def one_kegiatan_figures(db: AsyncDatabase, kid: str) -> dict[str, Any] | None:
    """One kegiatan as reporting knows it: its invitations, answers and check-ins, how its
    invitations were delivered, its aspirations. Its participants and messages are ``_id`` ranges
    (``"<kegiatan>:…"``): an index range, not a scan."""
    k = await db["kegiatan"].find_one({"_id": kid})
    if k is None:
        return None
    aspirations: dict[str, int] = {}
    async for a in db["aspirations"].find({"kegiatan_id": kid}):
        aspirations[a.get("status") or "open"] = aspirations.get(a.get("status") or "open", 0) + 1
    return {"kegiatan_id": kid, "title": k.get("title"), "type": k.get("type"), "status": k.get("status"),
            "region": k.get("region"), "month": k.get("month"),
            "participation": _participation([p async for p in db["participation"].find({"_id": id_prefix(f"{kid}:")})]),
            "deliveries": _deliveries([d async for d in db["deliveries"].find({"_id": id_prefix(f"{kid}:")})]),
            "aspirations": aspirations}


LIST_PARALLEL = 8


async def kegiatan_list(db: AsyncDatabase, scope: str, since: str, until: str) -> list[dict[str, Any]]:
    """Every kegiatan of a province or regency whose month is in the period, in the order they
    began, each with its invitations, answers, check-ins, walk-ins, people present and aspirations
    counted from its rows — the same counts as its dashboard page. Its participants are an ``_id``
    range; a few read side by side."""
    match = {"region": {"$regex": regions.prefix_regex(scope)}, "month": {"$gte": since, "$lte": until}}
    kegiatan = sorted([k async for k in db["kegiatan"].find(match)], key=lambda k: (k["starts_at"], k["_id"]))
    ids = {k["_id"] for k in kegiatan}
    aspirations: dict[str, int] = {}
    async for a in db["aspirations"].find({"region": match["region"]}, {"kegiatan_id": 1}):
        if a.get("kegiatan_id") in ids:
            aspirations[a["kegiatan_id"]] = aspirations.get(a["kegiatan_id"], 0) + 1
    gate = asyncio.Semaphore(LIST_PARALLEL)

    async def line(k: dict[str, Any]) -> dict[str, Any]:
        async with gate:
            rows = [p async for p in db["participation"].find(
                {"_id": id_prefix(f"{k['_id']}:")}, {"kind": 1, "invited": 1, "attending": 1, "checked_in": 1, "days": 1})]
        return {"kegiatan_id": k["_id"], "title": k.get("title"), "type": k.get("type"), "status": k.get("status"),
                "starts_at": k.get("starts_at"), "ends_at": k.get("ends_at"), "zone": k.get("zone"),
                "venue_name": k.get("venue_name"), "venue_region": k.get("venue_region"),
                **_participation(rows),
                "walk_ins": sum(1 for p in rows if p.get("kind") == "walk_in"),
                "people_present": sum(max((p.get("days") or {}).values(), default=0) for p in rows),
                "aspirations": aspirations.get(k["_id"], 0)}

    return list(await asyncio.gather(*(line(k) for k in kegiatan)))
