"""What the notifications consumer keeps of other services' events, and writes for the relay:
the invitations (``participants``: for reminders and notices, and the days each was present, for
an ormas's certificates), each kegiatan's current time, type and status (``kegiatan``), new messages, and the relay hints of what it wrote (see
``shared/outbox.py:hint_document``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import outbox, readmodel
from shared.mongo import bulk_write_chunked, id_prefix, insert_new


class Copies:
    def __init__(self, db: AsyncDatabase):
        self.participants = db["participants"]
        self.kegiatan = db["kegiatan"]
        self.messages = db["messages"]
        self.hints = db["outbox_hints"]

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

    async def insert_messages(self, docs: list[dict[str, Any]]) -> set[str]:
        """Inserts the messages not there yet (a redelivered event finds them all there); returns
        the ids inserted now."""
        return await insert_new(self.messages, docs)

    async def hint(self, message_ids: list[str]) -> None:
        """Tells the API's relay which messages carry events to publish."""
        await bulk_write_chunked(self.hints, outbox.hint_writes("messages", message_ids))
