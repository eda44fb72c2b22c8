"""The early-warning service's MongoDB collections.

- ``reports``: one document per report, its pending ``earlywarning.report`` events inside it
  (``shared.outbox``), its timeline, actions and the reporter's identity (never in an event).
- ``attachments``: the photos of a report, one document each (bounded in size by the API).
- ``team``: the members of each office's social-conflict team (tim terpadu), by region.
- ``registry_ormas``: the copy of the registry's ormas kept from ``registry.ormas``: parties are
  picked from it.
- ``kegiatan``: the copy of the events service's kegiatan kept from ``events.kegiatan``: an action
  linked to a kegiatan shows its title and status from it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared import outbox, readmodel, regions
from shared.outbox import OutboxFull

INDEXES = {
    "reports": [IndexModel([("region", ASCENDING), ("received_at", DESCENDING)], name="region_received"),
                IndexModel([("status", ASCENDING), ("received_at", ASCENDING)], name="status_received"),
                IndexModel([("actions.kegiatan_id", ASCENDING)], name="linked_kegiatan", sparse=True),
                *outbox.INDEXES],
    "attachments": [IndexModel([("report_id", ASCENDING)], name="report")],
    "team": [IndexModel([("region", ASCENDING), ("name", ASCENDING)], name="region_name")],
    "registry_ormas": [IndexModel([("region", ASCENDING)], name="region")],
    "kegiatan": [],
}
HIDDEN = {outbox.FIELD: 0, outbox.LEASE: 0}


def ormas_copy(data: dict[str, Any]) -> dict[str, Any]:
    """What is kept of an ormas: enough to name a party and find it by name or region."""
    return {k: data.get(k) for k in ("name", "acronym", "region", "status", "kind")}


class Reports:
    def __init__(self, db: AsyncDatabase, *, max_pending: int = 100):
        self.coll = db["reports"]
        self.files = db["attachments"]
        self.max_pending = max_pending

    async def insert(self, doc: dict[str, Any], files: list[dict[str, Any]]) -> None:
        if files:  # first: a report never names a photo that is not there
            await self.files.insert_many(files)
        await self.coll.insert_one(doc)

    async def get(self, report_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": report_id}, HIDDEN)

    async def attachment(self, report_id: str, file_id: str) -> dict[str, Any] | None:
        return await self.files.find_one({"_id": file_id, "report_id": report_id})

    async def change(self, report_id: str, version: int, set_fields: Mapping[str, Any], timeline: Mapping[str, Any] | None,
                     events: list[dict[str, Any]], *, push: Mapping[str, Any] | None = None,
                     where: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """Applies a change at ``version`` with its events in one write; None when the report is no
        longer at that version (or no longer matches ``where``)."""
        update: dict[str, Any] = {"$set": {**set_fields, "version": version + 1}}
        f, u = outbox.guarded({"_id": report_id, "version": version, **(where or {})}, update, events, self.max_pending)
        if timeline is not None:
            u["$push"]["timeline"] = timeline
        for k, v in (push or {}).items():
            u["$push"][k] = v
        doc = outbox.without_outbox(await self.coll.find_one_and_update(f, u, return_document=ReturnDocument.AFTER))
        if doc is None:
            current = await self.coll.find_one({"_id": report_id}, {"version": 1})
            if current is not None and current["version"] == version and where is None:
                raise OutboxFull()
        return doc

    async def list(self, *, scope: str, status: str | None, severity: str | None, category: str | None,
                   open_only: bool, limit: int, before: tuple[dt.datetime, str] | None) -> list[dict[str, Any]]:
        filter_: dict[str, Any] = {}
        if scope:
            filter_["region"] = {"$regex": regions.prefix_regex(scope)}
        if status:
            filter_["status"] = status
        elif open_only:
            filter_["status"] = {"$in": ["diterima", "diverifikasi", "ditangani"]}
        if severity:
            filter_["severity"] = severity
        if category:
            filter_["category"] = category
        if before is not None:  # the cursor: the last (received_at, _id) shown, newest first
            filter_["$or"] = [{"received_at": {"$lt": before[0]}}, {"received_at": before[0], "_id": {"$lt": before[1]}}]
        cursor = self.coll.find(filter_, {**HIDDEN, "timeline": 0, "reporter": 0}).sort([("received_at", -1), ("_id", -1)])
        return await cursor.limit(limit).to_list(None)

    async def unverified_since(self, before: dt.datetime, limit: int = 500) -> list[dict[str, Any]]:
        """Reports still diterima that arrived before ``before`` and reminded nobody yet."""
        cursor = self.coll.find({"status": "diterima", "received_at": {"$lte": before}, "reminded_at": None}, HIDDEN)
        return await cursor.limit(limit).to_list(None)

    async def linked_to(self, kegiatan_id: str) -> list[dict[str, Any]]:
        return await self.coll.find({"actions.kegiatan_id": kegiatan_id}, {"_id": 1, "actions": 1}).to_list(None)

    async def set_kegiatan(self, report: Mapping[str, Any], kegiatan_id: str, info: Mapping[str, Any]) -> None:
        """The linked kegiatan's title and status on every action of ``report`` (as ``linked_to``
        read it) naming it (a copy: the report's version does not move, nor does any event go out)."""
        fields = {f"actions.{i}.kegiatan": dict(info) for i, a in enumerate(report.get("actions") or [])
                  if a.get("kegiatan_id") == kegiatan_id}
        if fields:
            await self.coll.update_one({"_id": report["_id"]}, {"$set": fields})


class Team:
    def __init__(self, db: AsyncDatabase):
        self.coll = db["team"]

    async def of(self, region: str) -> list[dict[str, Any]]:
        return await self.coll.find({"region": region, "active": True}).sort("name", 1).to_list(None)

    async def of_regions(self, codes: list[str]) -> list[dict[str, Any]]:
        return await self.coll.find({"region": {"$in": codes}, "active": True}).sort([("region", 1), ("name", 1)]).to_list(None)

    async def get(self, member_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": member_id})

    async def insert(self, doc: dict[str, Any]) -> None:
        await self.coll.insert_one(doc)

    async def update(self, member_id: str, fields: Mapping[str, Any]) -> dict[str, Any] | None:
        return await self.coll.find_one_and_update({"_id": member_id}, {"$set": dict(fields)},
                                                   return_document=ReturnDocument.AFTER)


class RegistryCopy(readmodel.OrmasCopy):
    def __init__(self, db: AsyncDatabase, *, batched: bool = False):
        super().__init__(db["registry_ormas"], ormas_copy, batched=batched)

    async def by_ids(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        return {d["_id"]: d async for d in self.coll.find({"_id": {"$in": ids}})} if ids else {}

    async def search(self, scope: str, q: str, limit: int = 20) -> list[dict[str, Any]]:
        filter_: dict[str, Any] = {}
        if scope:
            filter_["region"] = {"$regex": regions.prefix_regex(scope)}
        if q:
            filter_["name"] = {"$regex": re.escape(q), "$options": "i"}
        return await self.coll.find(filter_).sort("name", 1).limit(limit).to_list(None)


class KegiatanCopy:
    def __init__(self, db: AsyncDatabase):
        self.coll = db["kegiatan"]

    async def apply(self, data: Mapping[str, Any]) -> bool:
        return await readmodel.upsert_versioned(self.coll, data["kegiatan_id"], data["version"], info(data))

    async def get(self, kegiatan_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": kegiatan_id})


def info(data: Mapping[str, Any]) -> dict[str, Any]:
    """What a report shows of a linked kegiatan."""
    return {"title": data["title"], "type": data["type"], "status": data["status"], "starts_at": data["starts_at"],
            "region": data["region"]}
