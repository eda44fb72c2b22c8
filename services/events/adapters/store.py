"""The events service's MongoDB collections."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from services.events.domain.registry_copy import ormas_copy
from shared import readmodel

INDEXES = {
    "registry_ormas": [IndexModel([("region", ASCENDING), ("kind", ASCENDING)], name="region_kind")],
}


class RegistryCopy:
    def __init__(self, db: AsyncDatabase):
        self.coll = db["registry_ormas"]

    async def apply(self, data: dict[str, Any]) -> bool:
        return await readmodel.upsert_versioned(self.coll, data["ormas_id"], data["version"], ormas_copy(data))
