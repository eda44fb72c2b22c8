"""Keeps a replica's search index current: loaded from the database at start, then fed from the
``registry.ormas`` topic. The topic's end offsets are fixed before the load, so an event written
while the load runs is applied afterwards (version checks make that harmless twice)."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer
from pymongo.asynchronous.collection import AsyncCollection

from services.registry.domain.ormas import snapshot
from services.registry.domain.search import SearchIndex, row_from_snapshot
from shared.contracts import ContractError, decode

log = logging.getLogger(__name__)
FIELDS = ("version", "name", "acronym", "kind", "legal_form", "scope", "region", "status", "bidang", "email",
          "phone", "whatsapp", "skt", "sanction", "officers", "created_at")


class SearchFeed:
    def __init__(self, index: SearchIndex, coll: AsyncCollection, *, bootstrap: str, topic: str):
        self.index = index
        self.coll = coll
        self.topic = topic
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                          auto_offset_reset="latest", client_id="registry-search-feed")
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._consumer.subscribe([self.topic])  # without a group: every partition is ours
        await self._consumer.start()
        for _ in range(100):
            tps = sorted(self._consumer.assignment())
            if tps:
                break
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError(f"no partition of {self.topic} was assigned")
        await self._consumer.seek_to_end(*tps)
        for tp in tps:
            await self._consumer.position(tp)  # resolve "end" now, before the load
        loaded = await self._load()
        log.info("search index loaded", extra={"ormas": loaded})
        self._task = asyncio.create_task(self._run(), name="search-feed")

    async def _load(self) -> int:
        n = 0
        async for doc in self.coll.find({}, {f: 1 for f in FIELDS}):
            n += self.index.upsert(row_from_snapshot(snapshot(doc)))
        return n

    async def _run(self) -> None:
        while True:
            try:
                batch = await self._consumer.getmany(timeout_ms=500)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # Kafka away for a while: keep serving the index, retry
                log.warning("search feed: %r", e)
                await asyncio.sleep(1)
                continue
            for messages in batch.values():
                for msg in messages:
                    try:
                        event, contract = decode(msg.value)
                    except ContractError:
                        continue  # the real consumers dead-letter it; the index just skips it
                    if contract.topic == "registry.ormas":
                        self.index.upsert(row_from_snapshot(event["data"]))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await self._consumer.stop()
