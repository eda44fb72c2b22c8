"""Notifications' consumers (``python -m services.notifications.consumers``): each event type is
handed to its use case in ``application/inbound.py``, which says what becomes of it."""

from __future__ import annotations

import asyncio
from typing import Any

from services.notifications.adapters.copies import Copies
from services.notifications.adapters.signing import OfficeKeys
from services.notifications.adapters.store import INDEXES, Contacts
from services.notifications.application import inbound
from services.notifications.settings import Settings
from shared.contracts import Contract
from shared.readmodel import OfficeCopy
from shared.runtime import Runtime, consumer_runtime, run_consumer_process

GROUP = "notifications"
TASK_SIZE = 10  # messages per Celery task
TOPICS = ["registry.ormas", "registry.office", "registry.account", "events.participation", "events.kegiatan",
          "earlywarning.report"]


def build_handler(runtime: Runtime, enqueue, contacts: Contacts | None = None, keys: OfficeKeys | None = None,
                  copies: Copies | None = None):
    ports = inbound.Ports(copies=copies or Copies(runtime.db), contacts=contacts or Contacts(runtime.db),
                          enqueue=enqueue)
    offices = OfficeCopy(runtime.db["offices"])  # the letterheads letters are written with

    async def handle(event: dict[str, Any], contract: Contract) -> None:
        data, name = event["data"], contract.name.rsplit(".", 1)[1]
        if contract.topic == "registry.ormas":
            await inbound.ormas_changed(ports, name, data)
        elif contract.topic == "registry.office":
            await offices.apply(data)  # version-checked: redelivery is a no-op
            if keys is not None:  # the office's signing key, made at its setup
                await asyncio.to_thread(keys.ensure, data["region"])
        elif contract.name == "events.participation.invited":
            await inbound.invited(ports, data)
        elif contract.name == "events.participation.responded":
            await inbound.responded(ports, data)
        elif contract.name == "events.participation.checked_in":
            await inbound.checked_in(ports, data)
        elif contract.topic == "events.kegiatan":
            await inbound.kegiatan_changed(ports, name, data)
        elif contract.name == "registry.account.verification_requested":
            await inbound.verification_requested(ports, data)
        elif contract.topic == "earlywarning.report":
            await inbound.report_alert(ports, name, data)

    return handle


def celery_enqueue(ids: list[str]) -> None:
    """One Celery task per ``TASK_SIZE`` messages: each message keeps its own claim and status
    (``application/delivery.py``); a task saves the broker's and the pool's cost per message."""
    from services.notifications.worker import send_many

    for at in range(0, len(ids), TASK_SIZE):
        send_many.delay(ids[at:at + TASK_SIZE])


def celery_fall_back(message_id: str) -> None:
    from services.notifications.worker import fall_back

    fall_back.delay(message_id)


class BatchedEnqueue:
    """The consumer's tasks, sent at the end of its Kafka batch (a batch of invitations makes
    full tasks). A consumer killed before that leaves queued messages without a task, which the
    ``notifications.recover`` beat job enqueues, as when it dies between writing and enqueueing."""

    def __init__(self):
        self.ids: list[str] = []

    def __call__(self, ids: list[str]) -> None:
        self.ids += ids

    async def flush(self) -> None:
        ids, self.ids = self.ids, []
        if ids:
            await asyncio.to_thread(celery_enqueue, ids)


async def main() -> None:
    runtime = consumer_runtime(Settings(), indexes=INDEXES)
    contacts = Contacts(runtime.db, batched=True)  # a batch's contacts are written together, before its commit
    copies = Copies(runtime.db, batched=True)  # and its messages' open marks, before their tasks
    enqueue = BatchedEnqueue()

    async def batch_end() -> None:
        await contacts.flush()
        await copies.flush()
        await enqueue.flush()

    await run_consumer_process(runtime, group=GROUP, topics=TOPICS,
                               handler=build_handler(runtime, enqueue, contacts, OfficeKeys(runtime.settings.signing_keys_dir),
                                                     copies),
                               on_batch_end=batch_end)


if __name__ == "__main__":
    asyncio.run(main())
