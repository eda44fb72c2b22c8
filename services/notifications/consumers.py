"""Notifications' consumers (``python -m services.notifications.consumers``).

- ``registry.ormas``: the contacts copy; ``skt_expiring`` becomes the 90/30/7-day notice.
- ``events.participation``: ``invited`` becomes one message record per channel, written under
  deterministic ids (a redelivered event writes nothing new), and one Celery task per new message;
  the invitation is kept (``participants``) for reminders and notices; ``responded`` records the
  answer (reminders go to those attending and those who have not answered).
- ``events.kegiatan``: the kegiatan's current time and status (``kegiatan``); ``rescheduled`` and
  ``cancelled`` become a notice to everyone invited.

A consumer that dies between writing messages and enqueueing them leaves queued messages without
a task: the ``notifications.recover`` beat job enqueues them."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from services.notifications.adapters.copies import Copies
from services.notifications.adapters.store import INDEXES, Contacts, delivery_event
from services.notifications.domain import messages
from services.notifications.settings import Settings
from shared import outbox
from shared.contracts import Contract
from shared.runtime import Runtime, run_consumer_process

GROUP = "notifications"
TOPICS = ["registry.ormas", "events.participation", "events.kegiatan"]


def build_handler(runtime: Runtime, enqueue, contacts: Contacts | None = None):
    copies = Copies(runtime.db)
    contacts = contacts or Contacts(runtime.db)

    async def write(docs: list[dict[str, Any]]) -> None:
        now = dt.datetime.now(dt.UTC)
        for d in docs:
            if d["status"] == "unreachable":
                d[outbox.FIELD] = [delivery_event(d, "unreachable", now, d["error"])]
        # hinted before the insert too: a consumer killed after it is redelivered the event, inserts
        # nothing new and would hint nothing
        await copies.hint([d["_id"] for d in docs if outbox.FIELD in d])
        new = await copies.insert_messages(docs)
        await copies.hint([d["_id"] for d in docs if d["_id"] in new and outbox.FIELD in d])
        due = [d["_id"] for d in docs if d["_id"] in new and d["status"] == "queued"]
        if due:
            await asyncio.to_thread(enqueue, due)

    async def invited(data: dict[str, Any]) -> None:
        await copies.keep_invitation(data, dt.datetime.now(dt.UTC))
        k = await copies.kegiatan_of(data["kegiatan_id"])
        if k is not None and k["status"] == "cancelled":
            return  # cancelled before this invitation was read: its notice is all they get
        kind_data = data
        if k is not None and k["starts_at"] != data["change"]["kegiatan"]["starts_at"]:  # rescheduled meanwhile
            kind_data = {**data, "change": {**data["change"], "kegiatan": {
                **data["change"]["kegiatan"], "starts_at": k["starts_at"], "ends_at": k["ends_at"]}}}
        await write(messages.for_invitation(kind_data, dt.datetime.now(dt.UTC)))

    async def kegiatan_changed(name: str, data: dict[str, Any]) -> None:
        kid = data["kegiatan_id"]
        await copies.keep_kegiatan(kid, data["version"], {
            "status": data["status"], "starts_at": data["starts_at"], "ends_at": data["ends_at"], "title": data["title"]})
        if name not in ("rescheduled", "cancelled"):
            return
        now = dt.datetime.now(dt.UTC)
        reason = (data.get("change") or {}).get("reason")
        docs = []
        variant = f":v{data['version']}" if name == "rescheduled" else ""  # each reschedule is told once
        async for p in copies.invitations_of(kid):
            docs += messages.for_notice(p["invited"], name, now, kegiatan=data, reason=reason, variant=variant)
        await write(docs)

    async def handle(event: dict[str, Any], contract: Contract) -> None:
        data = event["data"]
        if contract.topic == "registry.ormas":
            await contacts.apply(data)  # version-checked: redelivery is a no-op
            if contract.name == "registry.ormas.skt_expiring":
                await write(messages.for_skt_expiry(data, data["change"]["days_left"], data["change"]["valid_until"],
                                                    dt.datetime.now(dt.UTC)))
        elif contract.name == "events.participation.invited":
            await invited(data)
        elif contract.name == "events.participation.responded":
            await copies.keep_answer(data["participant_id"], data["change"]["attending"], data["version"])
        elif contract.topic == "events.kegiatan":
            await kegiatan_changed(contract.name.rsplit(".", 1)[1], data)

    return handle


def celery_enqueue(ids: list[str]) -> None:
    from services.notifications.worker import send

    for mid in ids:
        send.delay(mid)


async def main() -> None:
    runtime = Runtime(Settings(), indexes=INDEXES)
    contacts = Contacts(runtime.db, batched=True)  # a batch's contacts are written together, before its commit
    await run_consumer_process(runtime, group=GROUP, topics=TOPICS, handler=build_handler(runtime, celery_enqueue, contacts),
                               on_batch_end=contacts.flush)


if __name__ == "__main__":
    asyncio.run(main())
