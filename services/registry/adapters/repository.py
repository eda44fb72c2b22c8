"""The registry's MongoDB collections.

Every write names its document by ``_id`` (the lookup the database answers with an index), and a
state change carries its events in the same single-document write (``shared.outbox``)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared import outbox, regions

INDEXES = {
    "ormas": [
        IndexModel([("region", ASCENDING), ("name_key", ASCENDING)], unique=True, name="region_name"),
        IndexModel([("region", ASCENDING), ("status", ASCENDING)], name="region_status"),
        *outbox.INDEXES,
    ],
}
HIDDEN = {outbox.FIELD: 0, outbox.LEASE: 0}
SORTS = {"name": "name_key", "created": "created_at", "region": "region"}


class DuplicateOrmas(Exception):
    def __init__(self, existing_id: str | None):
        super().__init__("an ormas with this name is already recorded in this region")
        self.existing_id = existing_id


class IdTaken(Exception):
    """A record with this id exists already (a replayed Idempotency-Key)."""

    def __init__(self, existing: dict[str, Any]):
        super().__init__("id taken")
        self.existing = existing


class BadCursor(ValueError):
    pass


class OrmasRepository:
    def __init__(self, db: AsyncDatabase, *, max_pending: int = 100):
        self.coll = db["ormas"]
        self.counters = db["counters"]
        self.max_pending = max_pending

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
        for k in HIDDEN:
            doc.pop(k, None)
        return doc

    async def insert_new(self, docs: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
        """Inserts documents that carry their events; returns (created ids, ids that existed)."""
        created: list[str] = []
        existing: list[str] = []
        for i in range(0, len(docs), 500):
            chunk = docs[i:i + 500]
            try:
                await self.coll.insert_many(chunk, ordered=False)
                done = chunk
            except BulkWriteError as e:
                failed = {err["index"]: err for err in e.details.get("writeErrors", [])}
                if any(err.get("code") != 11000 for err in failed.values()):
                    raise
                done = [d for j, d in enumerate(chunk) if j not in failed]
                existing += [d["_id"] for j, d in enumerate(chunk) if j in failed]
            created += [d["_id"] for d in done]
        return created, existing

    async def next_skt_sequence(self, office: str, year: int) -> int:
        doc = await self.counters.find_one_and_update(
            {"_id": f"skt:{office or 'nasional'}:{year}"}, {"$inc": {"seq": 1}}, upsert=True,
            return_document=ReturnDocument.AFTER)
        return doc["seq"]

    async def search(self, *, scope: str, region: str | None, q: str | None, kind: str | None,
                     legal_form: str | None, bidang: str | None, status: list[str] | None,
                     skt_expiring_before: dt.date | None, sort: str, cursor: str | None,
                     skt_valid_on: dt.date | None = None,
                     limit: int) -> tuple[list[dict[str, Any]], str | None]:
        key = SORTS[sort]
        clauses: list[dict[str, Any]] = []
        area = region if region is not None else scope
        if area:
            clauses.append({"region": {"$regex": regions.prefix_regex(area)}})
        if q:
            words = re.escape(" ".join(q.casefold().split()))
            clauses.append({"$or": [{"name_key": {"$regex": words}}, {"acronym_key": {"$regex": words}}]})
        for field, value in (("kind", kind), ("legal_form", legal_form), ("bidang", bidang)):
            if value:
                clauses.append({field: value})
        if status:
            clauses.append({"status": {"$in": status}})
        if skt_expiring_before:
            clauses.append({"skt.valid_until": {"$lt": skt_expiring_before.isoformat()}})
        if skt_valid_on:  # held a valid SKT on that day (ISO dates compare as strings)
            day = skt_valid_on.isoformat()
            clauses.append({"skt.issued_on": {"$lte": day}})
            clauses.append({"skt.valid_until": {"$gte": day}})
        if cursor:
            last_value, last_id = decode_cursor(cursor, key)
            clauses.append({"$or": [{key: {"$gt": last_value}}, {key: last_value, "_id": {"$gt": last_id}}]})
        filter_ = {"$and": clauses} if clauses else {}
        docs = [d async for d in self.coll.find(filter_, HIDDEN).sort([(key, ASCENDING), ("_id", ASCENDING)])
                .limit(limit + 1)]
        more = len(docs) > limit
        docs = docs[:limit]
        return docs, (encode_cursor(docs[-1], key) if more and docs else None)


def encode_cursor(doc: Mapping[str, Any], key: str) -> str:
    value = doc.get(key)
    if isinstance(value, dt.datetime):
        value = {"$dt": value.isoformat()}
    raw = json.dumps({"k": key, "v": value, "id": doc["_id"]}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, key: str) -> tuple[Any, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if data["k"] != key or not isinstance(data["id"], str):
            raise ValueError("cursor of another sort")
        value = data["v"]
        if isinstance(value, dict):
            value = dt.datetime.fromisoformat(value["$dt"])
        return value, data["id"]
    except (ValueError, KeyError, TypeError) as e:
        raise BadCursor(f"invalid cursor: {e}") from None
