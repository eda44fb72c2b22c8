"""Reporting's consumers: every topic it projects (``python -m services.reporting.consumers``).
Each event is applied once (ormas events by their version, the others by a processed-ids store)
and every projection write is itself safe to repeat (version checks, forward-only statuses,
idempotent $set), so a crash between the two is harmless. Counter deltas are summed over a batch
and written before its offsets are committed."""

from __future__ import annotations

import asyncio
from typing import Any

from services.reporting.adapters.store import INDEXES, Projections
from services.reporting.settings import Settings
from shared.contracts import Contract
from shared.idempotency import ProcessedEvents
from shared.runtime import Runtime, run_consumer_process

GROUP = "reporting"
TOPICS = ["registry.ormas", "events.kegiatan", "events.participation", "notifications.delivery"]


def build_handler(runtime: Runtime, consumer: str = GROUP):
    """The handler; its ``flush`` writes the counter deltas it deferred (call it before committing)."""
    projections = Projections(runtime.db, deferred=True)
    processed = ProcessedEvents(runtime.db, consumer)

    async def handle(event: dict[str, Any], contract: Contract) -> None:
        name = contract.name.rsplit(".", 1)[1]
        if contract.topic == "registry.ormas":
            await projections.apply_ormas(event["data"])  # version-checked: a repeat changes nothing
        elif contract.topic == "events.kegiatan":
            await processed.once(event["id"], lambda: projections.apply_kegiatan(name, event["data"]))
        elif contract.topic == "events.participation":
            await processed.once(event["id"], lambda: projections.apply_participation(name, event["data"]))
        elif contract.topic == "notifications.delivery":
            await processed.once(event["id"], lambda: projections.apply_delivery(event["data"]))

    handle.flush = projections.flush
    return handle


async def main() -> None:
    runtime = Runtime(Settings(), indexes=INDEXES)
    handler = build_handler(runtime)
    await run_consumer_process(runtime, group=GROUP, topics=TOPICS, handler=handler, on_batch_end=handler.flush)


if __name__ == "__main__":
    asyncio.run(main())
