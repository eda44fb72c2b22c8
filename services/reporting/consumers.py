"""Reporting's consumers: every topic it projects (``python -m services.reporting.consumers``).
Each event is applied once (processed-ids store) and every projection write is itself safe to
repeat (version checks, forward-only statuses, idempotent $set), so a crash between the two is
harmless."""

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
    projections = Projections(runtime.db)
    processed = ProcessedEvents(runtime.db, consumer)

    async def handle(event: dict[str, Any], contract: Contract) -> None:
        name = contract.name.rsplit(".", 1)[1]
        if contract.topic == "registry.ormas":
            await processed.once(event["id"], lambda: projections.apply_ormas(event["data"]))
        elif contract.topic == "events.kegiatan":
            await processed.once(event["id"], lambda: projections.apply_kegiatan(name, event["data"]))
        elif contract.topic == "events.participation":
            await processed.once(event["id"], lambda: projections.apply_participation(name, event["data"]))
        elif contract.topic == "notifications.delivery":
            await processed.once(event["id"], lambda: projections.apply_delivery(event["data"]))

    return handle


async def main() -> None:
    runtime = Runtime(Settings(), indexes=INDEXES)
    await run_consumer_process(runtime, group=GROUP, topics=TOPICS, handler=build_handler(runtime))


if __name__ == "__main__":
    asyncio.run(main())
