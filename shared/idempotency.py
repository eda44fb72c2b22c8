"""Idempotent consumption: a store of processed event ids, unique per consumer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

COLLECTION = "processed_events"
INDEXES = [IndexModel([("consumer", ASCENDING), ("event_id", ASCENDING)], unique=True, name="consumer_event")]


class ProcessedEvents:
    """``await once(event_id, apply)`` runs ``apply`` unless this consumer has already done so.

    The mark is written after ``apply`` succeeds, so a crash between the two re-runs ``apply`` on
    redelivery: ``apply`` must itself be safe to repeat (upserts, version checks). The store makes
    the ordinary case — a redelivered or re-published event — a cheap no-op."""

    def __init__(self, db: AsyncDatabase, consumer: str):
        self.coll = db[COLLECTION]
        self.consumer = consumer

    async def seen(self, event_id: str) -> bool:
        return await self.coll.find_one({"consumer": self.consumer, "event_id": event_id}, {"_id": 1}) is not None

    async def once(self, event_id: str, apply: Callable[[], Awaitable[None]]) -> bool:
        if await self.seen(event_id):
            return False
        await apply()
        try:
            await self.coll.insert_one({"consumer": self.consumer, "event_id": event_id,
                                        "at": dt.datetime.now(dt.UTC)})
        except DuplicateKeyError:
            pass
        return True
