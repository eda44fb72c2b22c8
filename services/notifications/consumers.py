"""Notifications' consumers: the contacts it needs (``python -m services.notifications.consumers``)."""

from __future__ import annotations

import asyncio
from typing import Any

from services.notifications.adapters.store import INDEXES, Contacts
from services.notifications.settings import Settings
from shared.contracts import Contract
from shared.runtime import Runtime, run_consumer_process

GROUP = "notifications"
TOPICS = ["registry.ormas"]


def build_handler(runtime: Runtime):
    contacts = Contacts(runtime.db)

    async def handle(event: dict[str, Any], contract: Contract) -> None:
        if contract.topic == "registry.ormas":
            await contacts.apply(event["data"])  # version-checked: redelivery is a no-op

    return handle


async def main() -> None:
    runtime = Runtime(Settings(), indexes=INDEXES)
    await run_consumer_process(runtime, group=GROUP, topics=TOPICS, handler=build_handler(runtime))


if __name__ == "__main__":
    asyncio.run(main())
