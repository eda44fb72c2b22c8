"""Idempotent consumption: a store of processed event ids, unique per consumer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.mongo import insert_new

COLLECTION = "processed_events"
# The mark's _id is "<consumer>:<event id>": uniqueness and lookups go through the primary key, the
# only lookup FerretDB's SQLite backend answers without scanning the collection.
# A mark only has to outlive every redelivery of its event: Kafka keeps messages 7 days
# (log.retention.hours=168, in deploy/kafka and compose), so marks are kept twice that and then
# expire. An event replayed from a longer-kept topic is caught by the consumers' version checks.
RETENTION = dt.timedelta(days=14)
INDEXES = [IndexModel([("at", ASCENDING)], name="at_ttl", expireAfterSeconds=int(RETENTION.total_seconds()))]
REPLACED_INDEXES = ("at",)  # the same key without a TTL, from before


class ProcessedEvents:
    """``await once(event_id, apply)`` runs ``apply`` unless this consumer has already done so.

    The mark is written after ``apply`` succeeds, so a crash between the two re-runs ``apply`` on
    redelivery: ``apply`` must itself be safe to repeat (upserts, version checks). The store makes
    the ordinary case — a redelivered or re-published event — a cheap no-op."""

    def __init__(self, db: AsyncDatabase, consumer: str, *, deferred: bool = False):
        self.coll = db[COLLECTION]
        self.consumer = consumer
        # deferred (a consumer with a batch-end hook): marks are kept and written together by
        # ``flush()`` before the batch's offsets are committed — one command per batch instead of
        # one per event; a crash before it re-applies the batch, which ``apply`` tolerates anyway
        self.deferred = deferred
        self._marks: dict[str, dict] = {}

    def _key(self, event_id: str) -> str:
        return f"{self.consumer}:{event_id}"

    async def seen(self, event_id: str) -> bool:
        if self._key(event_id) in self._marks:
            return True
        return await self.coll.find_one({"_id": self._key(event_id)}, {"_id": 1}) is not None

    async def once(self, event_id: str, apply: Callable[[], Awaitable[None]]) -> bool:
        if await self.seen(event_id):
            return False
        await apply()
        mark = {"_id": self._key(event_id), "consumer": self.consumer, "event_id": event_id, "at": dt.datetime.now(dt.UTC)}
        if self.deferred:
            self._marks[mark["_id"]] = mark
            return True
        try:
            await self.coll.insert_one(mark)
        except DuplicateKeyError:
            pass
        return True

    async def flush(self) -> None:
        """Writes the deferred marks (one already there — a redelivered batch — is left as it is)."""
        if self._marks:
            await insert_new(self.coll, list(self._marks.values()))
            self._marks.clear()
