"""The ``change_requests`` collection: contact and board changes an ormas asked for from its portal,
and the office's decisions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase


class ChangeRequests:
    def __init__(self, db: AsyncDatabase):
        self.coll = db["change_requests"]

    async def insert(self, doc: dict[str, Any]) -> None:
        await self.coll.insert_one(doc)

    async def get(self, request_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": request_id})

    async def of(self, query: Mapping[str, Any], limit: int = 100) -> list[dict[str, Any]]:
        return await self.coll.find(dict(query)).sort("requested_at", -1).limit(limit).to_list(None)

    async def decide(self, request_id: str, status: str, decision: dict[str, Any]) -> dict[str, Any] | None:
        """The decision, once: None when the request is no longer pending."""
        return await self.coll.find_one_and_update({"_id": request_id, "status": "pending"},
                                                   {"$set": {"status": status, "decision": decision}},
                                                   return_document=ReturnDocument.AFTER)
