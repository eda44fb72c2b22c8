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
from pymongo import IndexModel, ReplaceOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from shared import errors
from shared.kafka import EventProducer
from shared.mongo import bulk_write_chunked

log = logging.getLogger(__name__)

FIELD = "_outbox"
LEASE = "_outbox_lease"
LEASE_SECONDS = 30

RELAY_PUBLISHED = Counter("kesbang_outbox_published_total", "Outbox events published", ["collection"])
RELAY_FAILURES = Counter("kesbang_outbox_publish_failures_total", "Outbox publish attempts that failed", ["collection"])
RELAY_PENDING = Gauge("kesbang_outbox_pending_documents", "Documents with unpublished events at last sweep", ["collection"])

INDEXES = [IndexModel([(f"{FIELD}.id", 1)], name="outbox_pending", sparse=True)]


OutboxFull = errors.OutboxFull  # raised by the repositories that write through this outbox


def entry(topic: str, key: str, event: Mapping[str, Any]) -> dict[str, Any]:
    """One pending event: where it goes (logical topic and key) and the CloudEvent itself."""
    return {"id": event["id"], "topic": topic, "key": key, "event": dict(event)}


def without_outbox(doc: dict[str, Any] | None) -> dict[str, Any] | None:
    """The aggregate as callers see it: its pending events and lease removed (findAndModify on
    FerretDB takes no projection, so they come back with the document)."""
    if doc is not None:
        doc.pop(FIELD, None)
        doc.pop(LEASE, None)
    return doc


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


def hint_document(collection: str, doc_id: Any) -> dict[str, Any]:
    """What a writer in another process upserts into the relay's hint collection, before its write
    (a writer killed between its write and a later hint would leave the event to the next sweep,
    minutes away) and again after it (the relay may have read the first hint before the write
    landed). Each carries a nonce: the relay removes only the hint it read, never a newer one."""
    return {"_id": f"{collection}:{doc_id}", "collection": collection, "doc_id": doc_id, "n": uuid.uuid4().hex}


def hint_writes(collection: str, doc_ids: Sequence[Any]) -> list[ReplaceOne]:
    """The upserts of :func:`hint_document` for these documents, for one bulk write."""
    return [ReplaceOne({"_id": h["_id"]}, h, upsert=True) for h in (hint_document(collection, i) for i in doc_ids)]


PULL_PARALLEL = 3  # bulk commands removing published events at once
SWEEP_PAGES_PER_HINTS = 10  # a long sweep reads a page of hints after so many of its own pages


class OutboxRelay:
    """Publishes the pending events of the given collections. Safe with several replicas: a document
    is leased while its events are published, and an event published twice carries the same id.

    Writers tell the relay which document they changed (``wake(collection, id)``), so the ordinary
    path touches documents by ``_id`` only — the one lookup FerretDB's SQLite backend answers without
    scanning. A sweep of the whole collection (``sweep_seconds``, and at start) finds what another
    process left behind when it died between its write and the publish."""

    def __init__(self, producer: EventProducer, collections: Sequence[AsyncCollection], *,
                 topic_for: Any = lambda logical: logical, poll_seconds: float = 1.0, batch: int = 100,
                 sweep_seconds: float = 30.0, hints: AsyncCollection | None = None):
        self.producer = producer
        self.collections = {c.name: c for c in collections}
        self.topic_for = topic_for
        self.poll_seconds = poll_seconds
        self.sweep_seconds = sweep_seconds
        self.batch = batch
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._hints: dict[str, set[Any]] = {name: set() for name in self.collections}
        # events a writer handed over with its hint (a document it inserted: its outbox is exactly
        # these), published without reading the document back
        self._known: dict[str, dict[Any, list[dict[str, Any]]]] = {name: {} for name in self.collections}
        # other processes (Celery workers) name what they wrote in a small collection of hints
        # (``hint(...)``), read at every poll: no scan of the large collections between sweeps
        self.hint_collection = hints
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()

    def wake(self, collection: str | None = None, doc_id: Any = None,
             events: list[dict[str, Any]] | None = None) -> None:
        """Publish soon; with a collection and id, that document's events first. A writer that
        has just inserted the document passes its outbox entries as ``events``: they are published
        without a read (and removed by exact value, like any others)."""
        if collection is not None and doc_id is not None:
            if events is not None and doc_id not in self._hints[collection]:
                self._known[collection][doc_id] = list(events)
            else:  # written again (or by an update): read what is pending
                self._known[collection].pop(doc_id, None)
            self._hints[collection].add(doc_id)
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        backoff = self.poll_seconds
        next_sweep = 0.0  # sweep at start: a previous process may have died before publishing
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            more = False  # a full page of hints: a backlog (an import), read on at once
            try:
                if loop.time() >= next_sweep:
                    await self.drain()
                    next_sweep = loop.time() + self.sweep_seconds
                else:
                    more = await self.read_hints()
                    await self.drain_hinted()
                backoff = self.poll_seconds
            except Exception as e:  # Kafka or the database is down: keep the events, try again
                log.warning("outbox relay sweep failed: %r", e)
                backoff = min(backoff * 2, 30)
                next_sweep = 0.0  # hints may have been consumed: find everything again
            if more or any(self._hints.values()):
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), backoff)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    async def read_hints(self) -> bool:
        """Takes the hints other processes left (their documents are published by _id, leased).
        True when it took a full page: more may be waiting."""
        if self.hint_collection is None:
            return False
        page = self.batch * 5
        found = [h async for h in self.hint_collection.find({}).limit(page)]
        by_coll: dict[str, list[Any]] = {}
        for h in found:
            if h.get("collection") in self.collections:
                by_coll.setdefault(h["collection"], []).append(h["doc_id"])
        for name, ids in by_coll.items():
            for i in range(0, len(ids), self.batch):
                await self._publish(self.collections[name], ids[i:i + self.batch])
        if found:  # after publishing: a hint lost in a crash is found again; one rewritten meanwhile
            # carries a new nonce and stays
            await self.hint_collection.delete_many({"_id": {"$in": [h["_id"] for h in found]},
                                                    "n": {"$in": [h.get("n") for h in found]}})
        return len(found) == page

    async def drain_hinted(self) -> int:
        """Publishes the documents writers named since the last call."""
        published = 0
        for name, coll in self.collections.items():
            while self._hints[name]:
                ids = [self._hints[name].pop() for _ in range(min(self.batch, len(self._hints[name])))]
                known = {i: self._known[name].pop(i) for i in ids if i in self._known[name]}
                # Only this replica was told of these writes, so no lease is taken (one database
                # write fewer per change); should a sweep elsewhere publish one too, it carries
                # the same event id and consumers drop it.
                published += await self._publish(coll, ids, lease=False, known=known)
        return published

    async def drain(self) -> int:
        """Publishes every pending event of every collection (a sweep), hinted or not."""
        published = await self.drain_hinted()
        for coll in self.collections.values():
            # One pass collects the ids, then they are published by _id a page at a time. Asking for
            # the next page of pending documents instead rescans the published ones before it
            # (FerretDB answers the filter by scanning): quadratic, hours for a national import.
            ids = [d["_id"] async for d in coll.find({f"{FIELD}.0": {"$exists": True}}, {"_id": 1}).batch_size(10_000)]
            RELAY_PENDING.labels(coll.name).set(len(ids))
            for n, i in enumerate(range(0, len(ids), self.batch), start=1):
                published += await self._publish(coll, ids[i:i + self.batch])
                if any(self._hints.values()):  # this process's own writes meanwhile go out first
                    published += await self.drain_hinted()
                if n % SWEEP_PAGES_PER_HINTS == 0:  # and other processes' writes since the scan
                    await self.read_hints()
        return published

    async def _publish(self, coll: AsyncCollection, ids: Sequence[Any], *, lease: bool = True,
                       known: dict[Any, list[dict[str, Any]]] | None = None) -> int:
        """Leases the documents (unless told not to), publishes all their events, then removes
        exactly those events. ``known``: documents whose pending events the caller has (not read)."""
        now = dt.datetime.now(dt.UTC)
        claim = uuid.uuid4().hex
        known = known or {}
        docs: list[dict[str, Any]] = [{"_id": i, FIELD: known[i]} for i in ids if i in known]
        ids = [i for i in ids if i not in known]
        if ids:  # one command each: FerretDB answers {_id: {$in}} from its index (fix 6 of deploy/ferretdb)
            pending = {"_id": {"$in": list(ids)}, f"{FIELD}.0": {"$exists": True}}
            if lease:
                await coll.update_many({**pending, "$or": [{LEASE: {"$exists": False}}, {f"{LEASE}.until": {"$lt": now}}]},
                                       {"$set": {LEASE: {"owner": self.owner, "claim": claim,
                                                         "until": now + dt.timedelta(seconds=LEASE_SECONDS)}}})
                pending = {"_id": pending["_id"], f"{LEASE}.claim": claim}
            docs += [d async for d in coll.find(pending, {FIELD: 1})]
        if not docs:
            return 0
        try:
            # Sends are queued on one idempotent producer and awaited together; Kafka keeps their
            # order within a partition, and each aggregate's events share its key's partition.
            await self.producer.publish_many(
                [(self.topic_for(e["topic"]), e["key"], e["event"]) for d in docs for e in d[FIELD]])
        except Exception:
            RELAY_FAILURES.labels(coll.name).inc()
            if lease:
                await bulk_write_chunked(coll, [UpdateOne({"_id": d["_id"], f"{LEASE}.claim": claim},
                                                          {"$unset": {LEASE: ""}}) for d in docs])
            raise
        # exact-value removal: events appended by writes meanwhile stay pending
        await bulk_write_chunked(coll, [UpdateOne({"_id": d["_id"]}, {"$pullAll": {FIELD: d[FIELD]}, "$unset": {LEASE: ""}})
                                        for d in docs], parallel=PULL_PARALLEL)
        count = sum(len(d[FIELD]) for d in docs)
        RELAY_PUBLISHED.labels(coll.name).inc(count)
        return count
