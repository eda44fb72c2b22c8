"""Rebuild every projection from scratch by replaying the topics (``python -m services.reporting.rebuild``).

Empties the projections, reads every topic reporting consumes from its first offset up to the end
offsets found at start, and applies each event with the same handler the consumers use (under its
own processed-ids name, so the running consumers are not disturbed; both write idempotently). The
dashboard shows partial figures until it finishes; it prints the events replayed and the rate."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer

from services.reporting.adapters.store import INDEXES
from services.reporting.consumers import TOPICS, build_handler
from services.reporting.settings import Settings
from shared.contracts import ContractError, decode
from shared.runtime import Runtime

PROJECTIONS = ("ormas", "ormas_counters", "kegiatan", "kegiatan_counters", "participation", "deliveries", "aspirations")


async def rebuild(settings: Settings, *, drop: bool = True) -> dict[str, Any]:
    runtime = Runtime(settings, indexes=INDEXES)
    await runtime.start()
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest", client_id=f"reporting-rebuild-{uuid.uuid4().hex[:6]}")
    await consumer.start()
    try:
        if drop:
            # emptied, not dropped: the running consumers keep writing, and FerretDB 1.24 can fail
            # to recreate an index ("already exists") when a write recreates a dropped collection
            for name in PROJECTIONS:
                await runtime.db[name].delete_many({})
        handler = build_handler(runtime, consumer=f"rebuild-{uuid.uuid4().hex[:8]}")
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
        todo = {tp for tp in partitions if end[tp] > 0}
        applied = skipped = 0
        t0 = time.perf_counter()
        while todo:
            batch = await consumer.getmany(*todo, timeout_ms=500, max_records=500)
            for tp, messages in batch.items():
                for m in messages:
                    if m.offset >= end[tp]:
                        continue
                    try:
                        event, contract = decode(m.value)
                    except ContractError:
                        skipped += 1  # it is in the DLQ already: the consumers sent it there
                        continue
                    await handler(event, contract)
                    applied += 1
            await handler.flush()
            todo = {tp for tp in todo if await consumer.position(tp) < end[tp]}
        from services.reporting.adapters.store import Projections

        await Projections(runtime.db).recount_counters()
        await Projections(runtime.db).recount_kegiatan_counters()
        seconds = time.perf_counter() - t0
        return {"events": applied, "skipped": skipped, "seconds": round(seconds, 2),
                "events_per_s": round(applied / seconds, 1) if seconds > 0 else None}
    finally:
        await consumer.stop()
        await runtime.stop()


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m services.reporting.rebuild", description=__doc__.splitlines()[0])
    ap.add_argument("--keep", action="store_true", help="replay over the projections instead of emptying them first")
    args = ap.parse_args()
    print(json.dumps(asyncio.run(rebuild(Settings(), drop=not args.keep))))


if __name__ == "__main__":
    main()
