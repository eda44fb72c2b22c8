"""The ``recommendation_requests`` collection: what departments asked, and the office's answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase


class Requests:
    def __init__(self, db: AsyncDatabase):
        self.coll = db["recommendation_requests"]

    async def insert(self, doc: dict[str, Any]) -> None:
        await self.coll.insert_one(doc)

    async def get(self, request_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": request_id})

    async def of(self, query: Mapping[str, Any], limit: int = 100) -> list[dict[str, Any]]:
        return await self.coll.find(dict(query)).sort("created_at", -1).limit(limit).to_list(None)

    async def answer(self, request_id: str, answer: dict[str, Any]) -> dict[str, Any] | None:
        await self.coll.update_one({"_id": request_id, "status": "open"}, {"$set": {"status": "answered", "answer": answer}})
        return await self.get(request_id)
