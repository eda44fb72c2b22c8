"""What the notifications consumer keeps of other services' events, and writes for the relay:
the invitations (``participants``: for reminders and notices, and the days each was present, for
an ormas's certificates), each kegiatan's current time, type and status (``kegiatan``), new messages
with their open marks (see ``store.py``), and the relay hints of what it wrote (see
``shared/outbox.py:hint_document``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.notifications.adapters.store import open_marks
from shared import outbox, readmodel
from shared.mongo import bulk_write_chunked, id_prefix, insert_new


class Copies:
    """``batched``: the open marks of a Kafka batch's messages are written together at its end
    (:meth:`flush`), before its tasks are enqueued and its offsets committed; a consumer killed
    before that is redelivered the batch, whose messages are marked again."""

    def __init__(self, db: AsyncDatabase, *, batched: bool = False):
        self.participants = db["participants"]
        self.kegiatan = db["kegiatan"]
        self.messages = db["messages"]
        self.hints = db["outbox_hints"]
        self.open = db["open_messages"]
        self._marks: set[str] | None = set() if batched else None

    async def keep_invitation(self, data: Mapping[str, Any], now: dt.datetime) -> None:
        """The first copy of an invitation wins: a redelivered event changes nothing."""
        await self.participants.update_one({"_id": data["participant_id"]},
                                           {"$setOnInsert": {"invited": dict(data), "attending": None, "version": 1,
                                                             "invited_at": now}}, upsert=True)

    async def keep_answer(self, participant_id: str, attending: bool, version: int) -> None:
        await self.participants.update_one({"_id": participant_id, "version": {"$lt": version}},
                                           {"$set": {"attending": attending, "version": version}})

    async def keep_presence(self, participant_id: str, day: str) -> None:
        """A day the participant was present (idempotent; a walk-in has no invitation copy)."""
        await self.participants.update_one({"_id": participant_id}, {"$set": {f"attendance.{day}": True}})

    async def invitations_of(self, kegiatan_id: str) -> AsyncIterator[dict[str, Any]]:
        async for p in self.participants.find({"_id": id_prefix(f"{kegiatan_id}:")}):
            yield p

    async def kegiatan_of(self, kegiatan_id: str) -> dict[str, Any] | None:
        return await self.kegiatan.find_one({"_id": kegiatan_id})

    async def keep_kegiatan(self, kegiatan_id: str, version: int, fields: Mapping[str, Any]) -> None:
        await readmodel.upsert_versioned(self.kegiatan, kegiatan_id, version, dict(fields))

    async def insert_messages(self, docs: list[dict[str, Any]], now: dt.datetime) -> set[str]:
        """Inserts the messages not there yet (a redelivered event finds them all there); returns
        the ids inserted now. Every queued one is marked open, inserted now or not (a consumer
        killed between the two marks them at the redelivery)."""
        queued = [d["_id"] for d in docs if d["status"] == "queued"]
        if self._marks is not None:
            self._marks.update(queued)
        elif queued:
            await bulk_write_chunked(self.open, open_marks(queued, now))
        return await insert_new(self.messages, docs)

    async def flush(self) -> None:
        """Writes the batch's open marks (batched mode), dated as they are written."""
        if self._marks:  # kept until written: a failed flush is retried before the commit
            await bulk_write_chunked(self.open, open_marks(sorted(self._marks), dt.datetime.now(dt.UTC)))
            self._marks = set()

    async def hint(self, message_ids: list[str]) -> None:
        """Tells the API's relay which messages carry events to publish."""
        await bulk_write_chunked(self.hints, outbox.hint_writes("messages", message_ids))
