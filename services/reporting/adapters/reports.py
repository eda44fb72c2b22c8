"""Compiled reports in reporting's database: the only code that reads or writes the ``reports``
and ``report_files`` collections. A compiling worker holds its report under a lease
(:data:`LEASE`), renewed at every progress step, so a live compile keeps its report and a killed
worker's report is claimed again once the lease runs out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from services.reporting.domain import reports
from shared import regions

LEASE = dt.timedelta(minutes=5)


class Reports:
    def __init__(self, db: AsyncDatabase):
        self.coll = db["reports"]
        self.files = db["report_files"]

    async def get(self, report_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": report_id})

    async def file(self, report_id: str, fmt: str) -> dict[str, Any] | None:
        return await self.files.find_one({"_id": f"{report_id}:{fmt}"})

    async def queue(self, region: str, period: str, formats: list[str], *, by: str, today: dt.date,
                    refresh: bool = False) -> str | None:
        """Creates (or, with ``refresh``, re-queues a finished) report record; None when it is
        already queued or running (the request joins it). InvalidReport for a bad period."""
        kind, first, last = reports.parse_period(period, today)
        rid = reports.report_id(region, period)
        now = dt.datetime.now(dt.UTC)
        doc = {"_id": rid, "region": region, "period": period, "kind": kind, "first_month": first, "last_month": last,
               "title": reports.title(region, period, kind), "formats": formats, "status": "queued", "progress": 0,
               "requested_by": by, "requested_at": now, "attempts": 0, "error": None, "files": {}}
        r = await self.coll.update_one({"_id": rid}, {"$setOnInsert": doc}, upsert=True)
        if r.upserted_id is not None:
            return rid
        if refresh:
            r = await self.coll.update_one({"_id": rid, "status": {"$in": ["done", "failed"]}},
                                           {"$set": {"status": "queued", "progress": 0, "formats": formats,
                                                     "requested_by": by, "requested_at": now, "error": None}})
            if r.modified_count:
                return rid
        return None

    async def submit(self, report_id: str, finished_at: Any, submission: dict[str, Any]) -> dict[str, Any] | None:
        """Records the report as sent up, as compiled at ``finished_at`` (None: it changed meanwhile)."""
        return await self.coll.find_one_and_update({"_id": report_id, "status": "done", "finished_at": finished_at},
                                                   {"$set": {"submission": submission}},
                                                   return_document=ReturnDocument.AFTER)

    async def acknowledge(self, report_id: str, submitted_at: Any, ack: dict[str, Any]) -> dict[str, Any] | None:
        return await self.coll.find_one_and_update({"_id": report_id, "submission.at": submitted_at},
                                                   {"$set": {"submission.acknowledged": ack}},
                                                   return_document=ReturnDocument.AFTER)

    async def sent_to(self, region: str, limit: int) -> list[dict[str, Any]]:
        """The reports sent up to ``region``'s office, newest first."""
        return await self.coll.find({"submission.to": region}).sort("submission.at", -1).limit(limit).to_list(None)

    async def recent(self, scope: str, limit: int) -> list[dict[str, Any]]:
        """The newest reports of ``scope`` and below, newest request first."""
        query = {"region": {"$regex": regions.prefix_regex(scope)}} if scope else {}
        return await self.coll.find(query).sort("requested_at", -1).limit(limit).to_list(None)

    async def stuck(self, now: dt.datetime, quiet: dt.datetime) -> list[str]:
        """Reports running under a lease that ran out, or queued since before ``quiet``, not already
        recovered since then; each is marked recovered now, so that it is enqueued again at most once
        per period (several beat replicas mark each once)."""
        found = await self.coll.find({"$or": [
            {"status": "running", "lease_until": {"$lt": now}},
            {"status": "queued", "requested_at": {"$lt": quiet}}]}, {"status": 1, "recovered_at": 1}).to_list(None)
        out = []
        for d in found:
            if d.get("recovered_at") and d["recovered_at"] > quiet:
                continue
            r = await self.coll.update_one({"_id": d["_id"], "status": d["status"]}, {"$set": {"recovered_at": now}})
            if r.modified_count:
                out.append(d["_id"])
        return out

    async def retry(self, report_id: str) -> bool:
        """A failed report queued again; False when it was not failed (any more)."""
        r = await self.coll.update_one({"_id": report_id, "status": "failed"},
                                       {"$set": {"status": "queued", "progress": 0, "requested_at": dt.datetime.now(dt.UTC)}})
        return bool(r.modified_count)

    async def claim(self, report_id: str, now: dt.datetime) -> dict[str, Any] | None:
        """The report, now running under this worker's lease; None when another worker holds it."""
        return await self.coll.find_one_and_update(
            {"_id": report_id, "$or": [{"status": "queued"}, {"status": "running", "lease_until": {"$lt": now}}]},
            {"$set": {"status": "running", "progress": 0, "started_at": now, "lease_until": now + LEASE, "error": None},
             "$inc": {"attempts": 1}},
            return_document=ReturnDocument.AFTER)

    async def progress(self, report_id: str, percent: int) -> None:
        await self.coll.update_one({"_id": report_id}, {"$set": {
            "progress": percent, "lease_until": dt.datetime.now(dt.UTC) + LEASE}})

    async def store_file(self, report_id: str, fmt: str, data: bytes) -> None:
        await self.files.replace_one({"_id": f"{report_id}:{fmt}"}, {"_id": f"{report_id}:{fmt}", "data": data},
                                     upsert=True)

    async def finish(self, report_id: str, files: dict[str, Any], summary: dict[str, int]) -> None:
        await self.coll.update_one({"_id": report_id}, {"$set": {
            "status": "done", "progress": 100, "files": files, "finished_at": dt.datetime.now(dt.UTC),
            "summary": summary}})

    async def fail(self, report_id: str, reason: str) -> None:
        await self.coll.update_one({"_id": report_id}, {"$set": {"status": "failed", "error": reason[:500]}})
