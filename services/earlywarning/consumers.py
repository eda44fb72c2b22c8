"""The early-warning service's consumers (``python -m services.earlywarning.consumers``): its copy
of the registry's ormas (the parties of a report) and of the kegiatan that reports' actions name."""

from __future__ import annotations

import asyncio
from typing import Any

from services.earlywarning.adapters.store import INDEXES, KegiatanCopy, RegistryCopy, Reports, Team
from services.earlywarning.application import reports as use
from services.earlywarning.settings import Settings
from shared.contracts import Contract
from shared.runtime import consumer_runtime, run_consumer_process

GROUP = "earlywarning"
TOPICS = ["registry.ormas", "events.kegiatan"]


def build_handler(copy: RegistryCopy, ports: use.Ports):
    async def handle(event: dict[str, Any], contract: Contract) -> None:
        if contract.topic == "registry.ormas":
            await copy.apply(event["data"])  # version-checked: redelivery is a no-op
        elif contract.topic == "events.kegiatan":
            await use.kegiatan_changed(ports, event["data"])

    return handle


async def main() -> None:
    runtime = consumer_runtime(Settings(), indexes=INDEXES)
    copy = RegistryCopy(runtime.db, batched=True)
    ports = use.Ports(reports=Reports(runtime.db), team=Team(runtime.db), copy=copy, kegiatan=KegiatanCopy(runtime.db),
                      relay=None)  # type: ignore[arg-type]  # consumers write no events
    await run_consumer_process(runtime, group=GROUP, topics=TOPICS, handler=build_handler(copy, ports),
                               on_batch_end=copy.flush)


if __name__ == "__main__":
    asyncio.run(main())
