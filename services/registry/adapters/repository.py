"""The registry's MongoDB collections.

Every write names its document by ``_id`` (the lookup the database answers with an index), and a
state change carries its events in the same single-document write (``shared.outbox``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from bson import Binary
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared import mongo, outbox, regions
from shared.mongo import bulk_write_chunked, insert_new

INDEXES = {
    "ormas": [
        IndexModel([("region", ASCENDING), ("name_key", ASCENDING)], unique=True, name="region_name"),
        IndexModel([("region", ASCENDING), ("status", ASCENDING)], name="region_status"),
        *outbox.INDEXES,
    ],
    "signups": [IndexModel([("expires_at", ASCENDING)], name="expires_ttl", expireAfterSeconds=0),
                *outbox.INDEXES],
    # refresh tokens (api/accounts.py): gone when their session ends; ended together per user
    "sessions": [IndexModel([("expires_at", ASCENDING)], name="expires_ttl", expireAfterSeconds=0),
                 IndexModel([("user", ASCENDING)], name="user")],
    "users": [IndexModel([("region", ASCENDING)], name="region"),
              IndexModel([("ormas_id", ASCENDING)], name="ormas", sparse=True),
              IndexModel([("activation.digest", ASCENDING)], name="activation", sparse=True)],
}
HIDDEN = {outbox.FIELD: 0, outbox.LEASE: 0}


@dataclasses.dataclass(frozen=True)
class BookRow:
    id: str
    name_key: str | None
    acronym_key: str | None


class DuplicateOrmas(Exception):
    def __init__(self, existing_id: str | None):
        super().__init__("an ormas with this name is already recorded in this region")
        self.existing_id = existing_id


class IdTaken(Exception):
    """A record with this id exists already (a replayed Idempotency-Key)."""

    def __init__(self, existing: dict[str, Any]):
        super().__init__("id taken")
        self.existing = existing


class OrmasRepository:
    def __init__(self, db: AsyncDatabase, *, max_pending: int = 100):
        self.coll = db["ormas"]
        self.counters = db["counters"]
        self.files = db["document_files"]
        self.hints = db["outbox_hints"]
        self.activity = db["activity_reports"]  # an ormas's reports of its activities, one per semester
        self.max_pending = max_pending

    async def keep_activity_report(self, ormas_id: str, period: str, report: dict[str, Any]) -> None:
        """Written before the ormas record names it (a report replaced by a later one of the period)."""
        await self.activity.replace_one({"_id": f"{ormas_id}:{period}"},
                                        {"_id": f"{ormas_id}:{period}", "ormas_id": ormas_id, "period": period, **report},
                                        upsert=True)

    async def activity_report(self, ormas_id: str, period: str) -> dict[str, Any] | None:
        return await self.activity.find_one({"_id": f"{ormas_id}:{period}"})

    async def forwarded(self, scope: str) -> list[dict[str, Any]]:
        """The applications of ``scope`` forwarded to Kemendagri and waiting for its SKT."""
        query: dict[str, Any] = {"status": "in_verification", "verification.forwarded": {"$exists": True}}
        if scope:
            query["region"] = {"$regex": regions.prefix_regex(scope)}
        return await self.coll.find(query, HIDDEN).sort("name", 1).to_list(None)

    async def expected_to_report(self, scope: str, statuses) -> list[dict[str, Any]]:
        """The ormas of ``scope`` and below in these statuses, with what they reported."""
        query: dict[str, Any] = {"status": {"$in": list(statuses)}}
        if scope:
            query["region"] = {"$regex": regions.prefix_regex(scope)}
        projection = {"name": 1, "acronym": 1, "region": 1, "status": 1, "activity": 1, "activity_due": 1,
                      "email": 1, "whatsapp": 1, "phone": 1}
        return await self.coll.find(query, projection).sort("name", 1).to_list(None)

    async def store_file(self, digest: str, data: bytes, content_type: str) -> None:
        """A document's bytes, content-addressed: the same file uploaded twice is stored once."""
        await self.files.update_one({"_id": digest}, {"$setOnInsert": {"data": Binary(data), "content_type": content_type,
                                                                       "size": len(data)}}, upsert=True)

    async def file(self, digest: str) -> dict[str, Any] | None:
        return await self.files.find_one({"_id": digest})

    async def insert(self, doc: dict[str, Any], events: list[dict[str, Any]]) -> None:
        try:
            await self.coll.insert_one(outbox.with_events(doc, events))
        except DuplicateKeyError:
            same_id = await self.get(doc["_id"])
            if same_id is not None:
                raise IdTaken(same_id) from None
            existing = await self.coll.find_one({"region": doc["region"], "name_key": doc["name_key"]}, {"_id": 1})
            raise DuplicateOrmas(existing["_id"] if existing else None) from None

    async def get(self, ormas_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": ormas_id}, HIDDEN)

    async def change(self, ormas_id: str, version: int, set_fields: Mapping[str, Any], history: Mapping[str, Any],
                     events: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Applies a change to the record at ``version`` with its events, in one write; None when the
        record is not at that version (or has too many unpublished events: OutboxFull)."""
        f, u = outbox.guarded({"_id": ormas_id, "version": version},
                              {"$set": {**set_fields, "version": version + 1}}, events, self.max_pending)
        u["$push"]["history"] = history
        try:
            doc = await self.coll.find_one_and_update(f, u, return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:
            raise DuplicateOrmas(None) from None
        if doc is None:
            current = await self.coll.find_one({"_id": ormas_id}, {"version": 1, f"{outbox.FIELD}": 1})
            if current is not None and current["version"] == version:
                raise outbox.OutboxFull()
            return None
        return outbox.without_outbox(doc)

    async def insert_new(self, docs: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
        """Inserts documents that carry their events; returns (created ids, ids that existed)."""
        created: list[str] = []
        existing: list[str] = []
        for i in range(0, len(docs), 500):
            chunk = docs[i:i + 500]
            done = await insert_new(self.coll, chunk)
            created += [d["_id"] for d in chunk if d["_id"] in done]
            existing += [d["_id"] for d in chunk if d["_id"] not in done]
        return created, existing

    async def next_skt_sequence(self, office: str, year: int, series: str = "skt") -> int:
        doc = await self.counters.find_one_and_update(
            {"_id": f"{series}:{office or 'nasional'}:{year}"}, {"$inc": {"seq": 1}}, upsert=True,
            return_document=ReturnDocument.AFTER)
        return doc["seq"]

    async def book_rows(self, region: str) -> list[Any]:
        """The names and acronyms recorded in one region (what an import job holds its rows
        against; the API uses its search index instead)."""
        docs = await self.coll.find({"region": region}, {"name_key": 1, "acronym_key": 1}).to_list(None)
        return [BookRow(id=d["_id"], name_key=d.get("name_key"), acronym_key=d.get("acronym_key")) for d in docs]

    async def hint(self, ids: Sequence[str]) -> None:
        """Names documents this process wrote to the API's relay (``shared/outbox.py:hint_document``)."""
        await bulk_write_chunked(self.hints, outbox.hint_writes("ormas", ids))

    async def expiring(self, horizon: str) -> list[dict[str, Any]]:
        """Registered ormas whose SKT ends on or before ``horizon`` (ISO date): the daily job's candidates."""
        return await self.coll.find({"status": {"$in": ["registered", "expiring"]}, "skt.valid_until": {"$lte": horizon}},
                                    HIDDEN).to_list(None)

    async def by_ids(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The documents of these ids, in this order."""
        found = {d["_id"]: d for d in await mongo.by_ids(self.coll, ids, HIDDEN)}
        return [found[i] for i in ids if i in found]
