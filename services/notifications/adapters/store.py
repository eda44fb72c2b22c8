"""Notifications' MongoDB collections."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from services.notifications.domain.contacts import contact_copy
from shared import readmodel

INDEXES = {
    "contacts": [IndexModel([("region", ASCENDING)], name="region")],
}


class Contacts:
    def __init__(self, db: AsyncDatabase):
        self.coll = db["contacts"]

    async def apply(self, data: dict[str, Any]) -> bool:
        return await readmodel.upsert_versioned(self.coll, data["ormas_id"], data["version"], contact_copy(data))
