"""Use cases of what reaches notifications from the other services' topics (called by
``consumers.py``, one per event type):

- ``registry.ormas``: the contacts copy; ``skt_expiring`` becomes the 90/30/7-day notice, and
  ``activity_report_due`` the reminder of a missing semester activity report.
- ``events.participation.invited`` becomes one message record per first channel, written under
  deterministic ids (a redelivered event writes nothing new), and one Celery task per new message;
  the invitation is kept for reminders and notices. ``responded`` records the answer (reminders go
  to those attending and those who have not answered); ``checked_in`` the days each was present
  (an ormas's certificates in the portal).
- ``earlywarning.report``: ``escalated`` and ``reminder_due`` become one message per team member
  named and channel (kritis ones go at night too).
- ``events.kegiatan``: the kegiatan's current time and status; ``rescheduled`` and ``cancelled``
  become a notice to everyone invited.

A consumer that dies between writing messages and enqueueing them leaves queued messages without
a task: the ``notifications.recover`` beat job enqueues them."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from services.notifications.adapters.copies import Copies
from services.notifications.adapters.store import Contacts, delivery_event
from services.notifications.domain import messages
from shared import outbox, tracing


@dataclasses.dataclass(frozen=True)
class Ports:
    copies: Copies
    contacts: Contacts
    enqueue: Callable[[list[str]], None]  # blocking (the broker's client): run in a thread


async def write_messages(ports: Ports, docs: list[dict[str, Any]]) -> None:
    """New message records, and a task for each queued one; an unreachable recipient's record
    carries its ``unreachable`` delivery event in its outbox."""
    now = dt.datetime.now(dt.UTC)
    traceparent = tracing.current_traceparent()  # the event's trace: the worker's send and its events carry it
    for d in docs:
        d.setdefault("traceparent", traceparent)
        if d["status"] == "unreachable":
            d[outbox.FIELD] = [delivery_event(d, "unreachable", now, d["error"])]
    # hinted before the insert too: a consumer killed after it is redelivered the event, inserts
    # nothing new and would hint nothing
    await ports.copies.hint([d["_id"] for d in docs if outbox.FIELD in d])
    new = await ports.copies.insert_messages(docs, now)
    await ports.copies.hint([d["_id"] for d in docs if d["_id"] in new and outbox.FIELD in d])
    due = [d["_id"] for d in docs if d["_id"] in new and d["status"] == "queued"]
    if due:
        await asyncio.to_thread(ports.enqueue, due)


async def ormas_changed(ports: Ports, name: str, data: dict[str, Any]) -> None:
    await ports.contacts.apply(data)  # version-checked: redelivery is a no-op
    if name == "activity_report_due":
        await write_messages(ports, messages.for_activity_due(data, data["change"]["period"], data["change"]["due_on"],
                                                              dt.datetime.now(dt.UTC)))
    if name == "skt_expiring":
        await write_messages(ports, messages.for_skt_expiry(data, data["change"]["days_left"],
                                                            data["change"]["valid_until"], dt.datetime.now(dt.UTC)))


async def invited(ports: Ports, data: dict[str, Any]) -> None:
    await ports.copies.keep_invitation(data, dt.datetime.now(dt.UTC))  # a recorded one too: its certificates
    if data["change"].get("recorded"):
        return  # a kegiatan recorded after it took place: nobody is written to
    k = await ports.copies.kegiatan_of(data["kegiatan_id"])
    if k is not None and k["status"] == "cancelled":
        return  # cancelled before this invitation was read: its notice is all they get
    kind_data = data
    if k is not None and k["starts_at"] != data["change"]["kegiatan"]["starts_at"]:  # rescheduled meanwhile
        kind_data = {**data, "change": {**data["change"], "kegiatan": {
            **data["change"]["kegiatan"], "starts_at": k["starts_at"], "ends_at": k["ends_at"]}}}
    await write_messages(ports, messages.for_invitation(kind_data, dt.datetime.now(dt.UTC)))


async def verification_requested(ports: Ports, data: dict[str, Any]) -> None:
    await write_messages(ports, messages.for_verification(data, dt.datetime.now(dt.UTC)))


async def report_alert(ports: Ports, name: str, data: dict[str, Any]) -> None:
    """An early-warning escalation or reminder: a message to each team member it names."""
    if name in ("escalated", "reminder_due"):
        await write_messages(ports, messages.for_alert(data, name, dt.datetime.now(dt.UTC)))


async def checked_in(ports: Ports, data: dict[str, Any]) -> None:
    await ports.copies.keep_presence(data["participant_id"], data["change"]["day"])


async def responded(ports: Ports, data: dict[str, Any]) -> None:
    await ports.copies.keep_answer(data["participant_id"], data["change"]["attending"], data["version"])


async def kegiatan_changed(ports: Ports, name: str, data: dict[str, Any]) -> None:
    kid = data["kegiatan_id"]
    await ports.copies.keep_kegiatan(kid, data["version"], {
        "status": data["status"], "starts_at": data["starts_at"], "ends_at": data["ends_at"], "title": data["title"],
        "region": data["region"], "zone": data["venue"]["zone"], "type": data["type"]})
    if name not in ("rescheduled", "cancelled"):
        return
    now = dt.datetime.now(dt.UTC)
    reason = (data.get("change") or {}).get("reason")
    docs = []
    variant = f":v{data['version']}" if name == "rescheduled" else ""  # each reschedule is told once
    async for p in ports.copies.invitations_of(kid):
        docs += messages.for_notice(p["invited"], name, now, kegiatan=data, reason=reason, variant=variant)
    await write_messages(ports, docs)
