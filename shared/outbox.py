"""Transactional outbox without transactions: the events a write raises live inside the aggregate
document (``_outbox``), written by the same single-document update as the state change, so neither
can exist without the other. A relay publishes them in order and only then removes them.

FerretDB and a standalone MongoDB have no multi-document transactions, which is why the pending
events are embedded. The list is bounded: a write that would push it past ``max_pending`` matches
nothing and raises ``OutboxFull`` (the caller answers 503 and the relay drains in the meantime)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from prometheus_client import Counter, Gauge
from pymongo import IndexModel, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from shared.kafka import EventProducer

log = logging.getLogger(__name__)

FIELD = "_outbox"
LEASE = "_outbox_lease"
LEASE_SECONDS = 30

RELAY_PUBLISHED = Counter("kesbang_outbox_published_total", "Outbox events published", ["collection"])
RELAY_FAILURES = Counter("kesbang_outbox_publish_failures_total", "Outbox publish attempts that failed", ["collection"])
RELAY_PENDING = Gauge("kesbang_outbox_pending_documents", "Documents with unpublished events at last sweep", ["collection"])

INDEXES = [IndexModel([(f"{FIELD}.id", 1)], name="outbox_pending", sparse=True)]


class OutboxFull(Exception):
    """The aggregate has too many unpublished events; retry after the relay has drained them."""


def entry(topic: str, key: str, event: Mapping[str, Any]) -> dict[str, Any]:
    """One pending event: where it goes (logical topic and key) and the CloudEvent itself."""
    return {"id": event["id"], "topic": topic, "key": key, "event": dict(event)}


def with_events(doc: dict[str, Any], entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A new aggregate document carrying its first events."""
    return {**doc, FIELD: list(entries)}


def guarded(filter_: Mapping[str, Any], update: Mapping[str, Any], entries: Sequence[dict[str, Any]],
            max_pending: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Filter and update that apply a state change and append its events in one atomic write,
    only while fewer than ``max_pending - len(entries) + 1`` events are waiting."""
    limit = max(0, max_pending - len(entries))
    f = {**filter_, f"{FIELD}.{limit}": {"$exists": False}}
    u = {k: dict(v) for k, v in update.items()}
    u.setdefault("$push", {})[FIELD] = {"$each": list(entries)}
    return f, u


class OutboxRelay:
    """Publishes the pending events of the given collections. Safe with several replicas: a document
    is leased while its events are published, and an event published twice carries the same id."""

    def __init__(self, producer: EventProducer, collections: Sequence[AsyncCollection], *,
                 topic_for: Any = lambda logical: logical, poll_seconds: float = 1.0, batch: int = 100):
        self.producer = producer
        self.collections = list(collections)
        self.topic_for = topic_for
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        backoff = self.poll_seconds
        while not self._stop.is_set():
            try:
                await self.drain()
                backoff = self.poll_seconds
            except Exception as e:  # Kafka or the database is down: keep the events, try again
                log.warning("outbox relay sweep failed: %r", e)
                backoff = min(backoff * 2, 30)
            try:
                await asyncio.wait_for(self._wake.wait(), backoff)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    async def drain(self) -> int:
        published = 0
        for coll in self.collections:
            more = True
            while more:
                n, more = await self._drain_some(coll)
                published += n
        return published

    async def _drain_some(self, coll: AsyncCollection) -> tuple[int, bool]:
        """Claims up to ``batch`` documents with pending events, publishes all their events, then
        removes exactly those events: three database round trips for the whole batch."""
        now = dt.datetime.now(dt.UTC)
        candidates = [d["_id"] async for d in coll.find(
            {f"{FIELD}.0": {"$exists": True}}, {"_id": 1}).limit(self.batch)]
        RELAY_PENDING.labels(coll.name).set(len(candidates))
        if not candidates:
            return 0, False
        claim = uuid.uuid4().hex
        await coll.update_many(
            {"_id": {"$in": candidates}, "$or": [{LEASE: {"$exists": False}}, {f"{LEASE}.until": {"$lt": now}}]},
            {"$set": {LEASE: {"owner": self.owner, "claim": claim,
                              "until": now + dt.timedelta(seconds=LEASE_SECONDS)}}},
        )
        docs = [d async for d in coll.find({f"{LEASE}.claim": claim}, {FIELD: 1})]
        try:
            # Sends are queued on one idempotent producer and awaited together; Kafka keeps their
            # order within a partition, and each aggregate's events share its key's partition.
            await self.producer.publish_many(
                [(self.topic_for(e["topic"]), e["key"], e["event"]) for d in docs for e in d[FIELD]])
        except Exception:
            RELAY_FAILURES.labels(coll.name).inc()
            await coll.update_many({f"{LEASE}.claim": claim}, {"$unset": {LEASE: ""}})
            raise
        # exact-value removal: events appended by writes meanwhile stay pending
        if docs:
            await coll.bulk_write([UpdateOne({"_id": d["_id"]}, {"$pullAll": {FIELD: d[FIELD]}, "$unset": {LEASE: ""}})
                                   for d in docs], ordered=False)
        count = sum(len(d[FIELD]) for d in docs)
        RELAY_PUBLISHED.labels(coll.name).inc(count)
        return count, len(candidates) == self.batch
