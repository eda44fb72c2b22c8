"""Reporting's projections in MongoDB."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from services.reporting.domain.projections import child_key, ormas_row
from shared import readmodel, regions

INDEXES = {
    "ormas": [IndexModel([("region", ASCENDING)], name="region"),
              IndexModel([("province", ASCENDING), ("status", ASCENDING)], name="province_status")],
}


class Projections:
    def __init__(self, db: AsyncDatabase):
        self.ormas = db["ormas"]

    async def apply_ormas(self, data: dict[str, Any]) -> bool:
        return await readmodel.upsert_versioned(self.ormas, data["ormas_id"], data["version"], ormas_row(data))

    async def ormas_figures(self, scope: str) -> dict[str, Any]:
        match = {"region": {"$regex": regions.prefix_regex(scope)}} if scope else {}
        by_status = {d["_id"]: d["n"] async for d in await self.ormas.aggregate(
            [{"$match": match}, {"$group": {"_id": "$status", "n": {"$sum": 1}}}])}
        key = child_key(scope)
        by_child = {d["_id"]: d["n"] async for d in await self.ormas.aggregate(
            [{"$match": match}, {"$group": {"_id": f"${key}", "n": {"$sum": 1}}}]) if d["_id"]}
        return {"total": sum(by_status.values()), "by_status": by_status, "by_child": by_child}
