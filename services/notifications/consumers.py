"""Notifications' consumers (``python -m services.notifications.consumers``): the contacts it
needs from ``registry.ormas``, and from ``events.participation`` the invitations to send.

An ``invited`` event becomes one message record per channel, written under deterministic ids (a
redelivered event writes nothing new), and one Celery task per new message. A consumer that dies
between the two leaves queued messages without a task: the ``notifications.recover`` beat job
enqueues them."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from services.notifications.adapters.store import INDEXES, Contacts, delivery_event, insert_messages
from services.notifications.domain import messages
from services.notifications.settings import Settings
from shared import outbox
from shared.contracts import Contract
from shared.runtime import Runtime, run_consumer_process

GROUP = "notifications"
TOPICS = ["registry.ormas", "events.participation"]


def build_handler(runtime: Runtime, enqueue):
    contacts = Contacts(runtime.db)

    async def handle(event: dict[str, Any], contract: Contract) -> None:
        if contract.topic == "registry.ormas":
            await contacts.apply(event["data"])  # version-checked: redelivery is a no-op
        elif contract.name == "events.participation.invited":
            now = dt.datetime.now(dt.UTC)
            docs = messages.for_invitation(event["data"], now)
            for d in docs:
                if d["status"] == "unreachable":
                    d[outbox.FIELD] = [delivery_event(d, "unreachable", now, d["error"])]
            new = await insert_messages(runtime.db, docs)
            due = [d["_id"] for d in docs if d["_id"] in new and d["status"] == "queued"]
            if due:
                await asyncio.to_thread(enqueue, due)

    return handle


def celery_enqueue(ids: list[str]) -> None:
    from services.notifications.worker import send

    for mid in ids:
        send.delay(mid)


async def main() -> None:
    runtime = Runtime(Settings(), indexes=INDEXES)
    await run_consumer_process(runtime, group=GROUP, topics=TOPICS, handler=build_handler(runtime, celery_enqueue))


if __name__ == "__main__":
    asyncio.run(main())
