"""Rebuild every projection from scratch by replaying the topics (``python -m services.reporting.rebuild``).

Reads every topic reporting consumes from its first offset up to the end offsets found at start and
folds the events in memory (``domain/replay.py``: each aggregate at its newest version, counters
counted once at the end); writes the result into fresh collections in bulk and swaps them in by
renaming; then applies, with the consumers' own handler, what arrived on the topics meanwhile (the
running consumers keep writing to the old collections until the swap; every write is idempotent, so
applying those events again is harmless). The dashboard shows the old figures until the swap. At
the end it records the offsets it replayed up to, and the running consumers skip to them.
``--keep`` instead applies every event with the consumers' handler over the projections as they are
(the slow path, one write per event). Prints the events replayed and the rate."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from services.reporting.adapters.store import INDEXES, ConsumerState
from services.reporting.consumers import TOPICS, build_handler
from services.reporting.domain.replay import COLLECTIONS, Fold
from services.reporting.settings import Settings
from shared import mongo
from shared.contracts import ContractError, decode
from shared.runtime import Runtime

FRESH, OLD = "__rebuild", "__old"
CHUNK = 2000
NAMESPACE_EXISTS = 48
SWAP_ATTEMPTS = 100  # a consumer writing without pause can make the collection again each time


async def rebuild(settings: Settings, *, drop: bool = True) -> dict[str, Any]:
    runtime = Runtime(settings, indexes=INDEXES)
    await runtime.start()
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest", client_id=f"reporting-rebuild-{uuid.uuid4().hex[:6]}",
                                max_partition_fetch_bytes=8 * 1024 * 1024)
    await consumer.start()
    try:
        wanted = {settings.topic(t) for t in TOPICS}
        consumer.subscribe(sorted(wanted))  # without a group: every partition is this process's
        for _ in range(100):  # until every topic's partitions are assigned (10 s at most)
            if {tp.topic for tp in consumer.assignment()} >= wanted:
                break
            await asyncio.sleep(0.1)
        partitions = sorted(consumer.assignment())
        if not partitions:
            raise RuntimeError(f"none of {sorted(wanted)} exists")
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        t0 = time.perf_counter()
        handler = build_handler(runtime, consumer=f"rebuild-{uuid.uuid4().hex[:8]}")
        if drop:
            fold = Fold()
            applied, skipped = await _read(consumer, end, lambda event, contract: fold.apply(
                contract.topic, contract.name.rsplit(".", 1)[1], event["data"]))
            await _swap_in(runtime.db, fold.documents())
            # what the running consumers took meanwhile, applied to the new collections too
            for tp in partitions:
                consumer.seek(tp, end[tp])
            end = await consumer.end_offsets(partitions)
            caught_up, _ = await _read(consumer, end, handler, handler.flush)
        else:
            applied, skipped = await _read(consumer, end, handler, handler.flush)
            caught_up = 0
        await ConsumerState(runtime.db).rebuilt_up_to(end)
        seconds = time.perf_counter() - t0
        return {"events": applied, "skipped": skipped, "caught_up": caught_up, "seconds": round(seconds, 2),
                "events_per_s": round(applied / seconds, 1) if seconds > 0 else None}
    finally:
        await consumer.stop()
        await runtime.stop()


async def _read(consumer: AIOKafkaConsumer, end: dict[TopicPartition, int], apply, after_batch=None) -> tuple[int, int]:
    """Every message below ``end``, decoded and given to ``apply(event, contract)`` (sync or async)."""
    todo = {tp for tp, offset in end.items() if offset > 0 and await consumer.position(tp) < offset}
    applied = skipped = 0
    while todo:
        batch = await consumer.getmany(*todo, timeout_ms=500, max_records=5000)
        for tp, messages in batch.items():
            for m in messages:
                if m.offset >= end[tp]:
                    continue
                try:
                    event, contract = decode(m.value)
                except ContractError:
                    skipped += 1  # it is in the DLQ already: the consumers sent it there
                    continue
                done = apply(event, contract)
                if asyncio.iscoroutine(done):
                    await done
                applied += 1
        if after_batch:
            await after_batch()
        todo = {tp for tp in todo if await consumer.position(tp) < end[tp]}
    return applied, skipped


async def _swap_in(db: AsyncDatabase, docs: dict[str, list[dict[str, Any]]]) -> None:
    """Writes each projection into a fresh collection, indexes it, then renames it over the live one
    (FerretDB has no ``dropTarget``: the live one is renamed aside first and dropped after)."""
    for name in COLLECTIONS:
        fresh = db[name + FRESH]
        await fresh.drop()
        rows = docs.get(name, [])
        for i in range(0, len(rows), CHUNK):
            await fresh.insert_many(rows[i:i + CHUNK], ordered=False)
        if not rows:
            await db.create_collection(name + FRESH)
    await mongo.ensure_indexes(db, {name + FRESH: INDEXES.get(name, []) for name in COLLECTIONS})
    for name in COLLECTIONS:
        await db[name + OLD].drop()
        if name in await db.list_collection_names(filter={"name": name}):
            await db[name].rename(name + OLD)
        for attempt in range(SWAP_ATTEMPTS):
            try:
                await db[name + FRESH].rename(name)
                break
            except OperationFailure as e:
                if e.code != NAMESPACE_EXISTS or attempt == SWAP_ATTEMPTS - 1:
                    raise
            # a running consumer's write made the collection again since it was set aside: what it
            # wrote is in the fold already, or applied again by the catch-up
            await db[name].drop()
        await db[name + OLD].drop()


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m services.reporting.rebuild", description=__doc__.splitlines()[0])
    ap.add_argument("--keep", action="store_true", help="apply every event over the projections as they are "
                                                        "(one write per event) instead of folding and swapping")
    args = ap.parse_args()
    print(json.dumps(asyncio.run(rebuild(Settings(), drop=not args.keep))))


if __name__ == "__main__":
    main()
