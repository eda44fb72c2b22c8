"""Reporting's consumers: every topic it projects (``python -m services.reporting.consumers``)."""

from __future__ import annotations

import asyncio
from typing import Any

from services.reporting.adapters.store import INDEXES, Projections
from services.reporting.settings import Settings
from shared.contracts import Contract
from shared.idempotency import ProcessedEvents
from shared.runtime import Runtime, run_consumer_process

GROUP = "reporting"
TOPICS = ["registry.ormas"]


def build_handler(runtime: Runtime):
    projections = Projections(runtime.db)
    processed = ProcessedEvents(runtime.db, GROUP)

    async def handle(event: dict[str, Any], contract: Contract) -> None:
        if contract.topic == "registry.ormas":
            await processed.once(event["id"], lambda: projections.apply_ormas(event["data"]))

    return handle


async def main() -> None:
    runtime = Runtime(Settings(), indexes=INDEXES)
    await run_consumer_process(runtime, group=GROUP, topics=TOPICS, handler=build_handler(runtime))


if __name__ == "__main__":
    asyncio.run(main())
