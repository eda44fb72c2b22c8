"""Reporting's consumers: every topic it projects (``python -m services.reporting.consumers``).
Each event is applied once (ormas events by their version, the others by a processed-ids store)
and every projection write is itself safe to repeat (version checks, forward-only statuses,
idempotent $set), so a crash between the two is harmless. Counter deltas are summed over a batch
and written before its offsets are committed; a process killed before it wrote them leaves its
replica marked unclean, and the next start recounts the counters from the rows first. After a rebuild, the consumers skip what it replayed (its floors)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from typing import Any

from services.reporting.adapters.store import INDEXES, ConsumerState, Projections
from services.reporting.settings import Settings
from shared.contracts import Contract
from shared.idempotency import ProcessedEvents
from shared.runtime import Runtime, consumer_runtime, run_consumer_process

log = logging.getLogger(__name__)

GROUP = "reporting"
TOPICS = ["registry.ormas", "events.kegiatan", "events.participation", "notifications.delivery", "earlywarning.report"]


def build_handler(runtime: Runtime, consumer: str = GROUP):
    """The handler; its ``flush`` writes the counter deltas it deferred (call it before committing)."""
    projections = Projections(runtime.db, deferred=True)
    processed = ProcessedEvents(runtime.db, consumer, deferred=True)

    async def handle(event: dict[str, Any], contract: Contract) -> None:
        name = contract.name.rsplit(".", 1)[1]
        if contract.topic == "registry.ormas":
            await projections.apply_ormas(event["data"])  # version-checked: a repeat changes nothing
        elif contract.topic == "events.kegiatan":
            await processed.once(event["id"], lambda: projections.apply_kegiatan(name, event["data"]))
        elif contract.topic == "events.participation":
            await processed.once(event["id"], lambda: projections.apply_participation(name, event["data"]))
        elif contract.topic == "notifications.delivery":
            await projections.apply_delivery(event["data"])  # forward-only by rank: a repeat changes nothing
        elif contract.topic == "earlywarning.report":
            await projections.apply_report(event["data"])  # version-checked: a repeat changes nothing

    async def flush() -> None:
        await projections.flush()
        await processed.flush()  # after the effects they mark

    handle.flush = flush
    return handle


def replica() -> str:
    return os.environ.get("REPORTING_REPLICA") or socket.gethostname()


async def recover_if_unclean(db, name: str) -> bool:
    """At start: if this replica's previous process did not stop cleanly (SIGKILL, OOM, power), its
    deferred counter deltas died with it while the rows they belong to were written — recount every
    counter from the rows before consuming. Then mark this process as running. Returns whether it
    recounted."""
    state = ConsumerState(db)
    recounted = False
    if not await state.was_clean(name):
        t0 = time.perf_counter()
        projections = Projections(db)
        await projections.recount_counters()
        await projections.recount_kegiatan_counters()
        log.warning("previous consumer stopped uncleanly: counters recounted from the rows in %.1fs",
                    time.perf_counter() - t0)
        recounted = True
    await state.running(name)
    return recounted


async def mark_clean(db, name: str) -> None:
    await ConsumerState(db).stopped_cleanly(name)


async def main() -> None:
    runtime = consumer_runtime(Settings(), indexes=INDEXES)
    handler = build_handler(runtime)
    name = replica()
    await run_consumer_process(runtime, group=GROUP, topics=TOPICS, handler=handler, on_batch_end=handler.flush,
                               on_start=lambda: recover_if_unclean(runtime.db, name),
                               on_clean_stop=lambda: mark_clean(runtime.db, name),
                               floors=ConsumerState(runtime.db).floors)


if __name__ == "__main__":
    asyncio.run(main())
