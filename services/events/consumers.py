"""The events service's consumers: its copy of the registry (``python -m services.events.consumers``)."""

from __future__ import annotations

import asyncio
from typing import Any

from services.events.adapters.store import INDEXES, RegistryCopy
from services.events.settings import Settings
from shared.contracts import Contract
from shared.readmodel import OfficeCopy
from shared.runtime import consumer_runtime, run_consumer_process

GROUP = "events"
TOPICS = ["registry.ormas", "registry.office"]


def build_handler(copy: RegistryCopy, offices: OfficeCopy):
    async def handle(event: dict[str, Any], contract: Contract) -> None:
        if contract.topic == "registry.ormas":
            await copy.apply(event["data"])  # version-checked: redelivery is a no-op
        elif contract.topic == "registry.office":
            await offices.apply(event["data"])  # the organiser's name and address of new kegiatan

    return handle


async def main() -> None:
    runtime = consumer_runtime(Settings(), indexes=INDEXES)
    # the copies of a batch are written together, before its offsets are committed
    copy = RegistryCopy(runtime.db, batched=True)
    handler = build_handler(copy, OfficeCopy(runtime.db["offices"], with_logo=False))
    await run_consumer_process(runtime, group=GROUP, topics=TOPICS, handler=handler, on_batch_end=copy.flush)


if __name__ == "__main__":
    asyncio.run(main())
