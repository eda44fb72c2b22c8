"""The registry's MongoDB collections."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared import outbox

INDEXES = {
    "ormas": [
        IndexModel([("region", ASCENDING), ("name_key", ASCENDING)], unique=True, name="region_name"),
        *outbox.INDEXES,
    ],
}


class DuplicateOrmas(Exception):
    def __init__(self, existing_id: str | None):
        super().__init__("an ormas with this name is already recorded in this region")
        self.existing_id = existing_id


class OrmasRepository:
    def __init__(self, db: AsyncDatabase):
        self.coll = db["ormas"]

    async def insert(self, doc: dict[str, Any], events: list[dict[str, Any]]) -> None:
        try:
            await self.coll.insert_one(outbox.with_events(doc, events))
        except DuplicateKeyError:
            existing = await self.coll.find_one({"region": doc["region"], "name_key": doc["name_key"]}, {"_id": 1})
            raise DuplicateOrmas(existing["_id"] if existing else None) from None

    async def get(self, ormas_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": ormas_id}, {outbox.FIELD: 0, outbox.LEASE: 0})
