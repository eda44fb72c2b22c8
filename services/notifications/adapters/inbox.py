"""The notifications API's reads and writes of messages (async; the Celery worker's are in
``store.py``): a kegiatan's messages, the SKT notices of a region, one message, a resend, the
statuses a provider's webhook reports, and the signed documents' verification records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from services.notifications.adapters.store import OPEN_STATUSES, delivery_event, open_marks
from services.notifications.domain import documents
from shared import outbox, regions
from shared.mongo import id_prefix

LISTED = {"payload": 0, outbox.FIELD: 0, "available": 0}
RANK = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}


class Messages:
    def __init__(self, db: AsyncDatabase):
        self.db = db
        self.coll = db["messages"]
        self.provider_ids = db["provider_ids"]
        self.participants = db["participants"]
        self.kegiatan = db["kegiatan"]
        self.offices = db["offices"]
        self.documents = db["documents"]
        self.open = db["open_messages"]

    async def document(self, code: str) -> dict[str, Any] | None:
        """A signed document's verification record (``store.py`` writes those the workers sign)."""
        return await self.documents.find_one({"_id": code})

    async def record_document(self, doc: dict[str, Any]) -> None:
        await self.documents.update_one(*documents.record_write(doc), upsert=True)

    async def office(self, region: str) -> dict[str, Any] | None:
        """The copy of an office's settings (``registry.office``), as letters are written with it."""
        return await self.offices.find_one({"_id": region or "nasional"})

    async def invitations(self, kegiatan_id: str, participant_ids: list[str]) -> list[dict[str, Any]]:
        """The copies of these participants' invitations (``copies.py`` keeps them)."""
        ids = [i for i in participant_ids if i.startswith(f"{kegiatan_id}:")]
        return await self.participants.find({"_id": {"$in": ids}}).to_list(None) if ids else []

    async def invitations_of_ormas(self, ormas_id: str) -> list[dict[str, Any]]:
        """The copies of one ormas's invitations, the newest 500."""
        return await self.participants.find({"invited.ormas_id": ormas_id}).sort("invited_at", -1).to_list(500)

    async def kegiatan_of(self, kegiatan_id: str) -> dict[str, Any] | None:
        return await self.kegiatan.find_one({"_id": kegiatan_id})

    async def insert_if_new(self, doc: dict[str, Any]) -> bool:
        """A message under its deterministic id; False when it is there already."""
        if doc["status"] in OPEN_STATUSES:  # marked open first (see store.py)
            await self.open.bulk_write(open_marks([doc["_id"]], dt.datetime.now(dt.UTC)))
        r = await self.coll.update_one({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True)
        return r.upserted_id is not None

    async def of_kegiatan(self, kegiatan_id: str) -> list[dict[str, Any]]:
        # message ids start with the participant's, which starts with the kegiatan's: an index range
        return [m async for m in self.coll.find({"_id": id_prefix(f"{kegiatan_id}:")}, LISTED)]

    async def with_prefix(self, prefix: str, *, after: str | None, region_scope: str,
                          limit: int) -> list[dict[str, Any]]:
        """Messages whose id starts with ``prefix`` (after ``after``), of ``region_scope`` and below."""
        ids = id_prefix(prefix)
        if after:
            ids.pop("$gte")
            ids["$gt"] = after
        query: dict[str, Any] = {"_id": ids}
        if region_scope:
            query["region"] = {"$regex": regions.prefix_regex(region_scope)}
        return await self.coll.find(query, LISTED).sort("_id", 1).limit(limit).to_list(None)

    async def get(self, message_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": message_id}, {"payload": 0, outbox.FIELD: 0})

    async def requeue(self, message_id: str, from_status: str, by: str, now: dt.datetime) -> dict[str, Any] | None:
        """A failed or dead message queued again from its first attempt; None if it moved meanwhile."""
        await self.open.bulk_write(open_marks([message_id], now))  # marked open first (see store.py)
        return await self.coll.find_one_and_update(
            {"_id": message_id, "status": from_status},
            {"$set": {"status": "queued", "attempts": 0, "error": None, "claim": None, "handed_at": None,
                      "enqueued_at": now, "not_before": None, "updated_at": now},
             "$push": {"history": {"at": now, "status": "queued", "note": f"resent by {by}"}}},
            return_document=ReturnDocument.AFTER)

    async def recipient_wrote(self, phone: str, at: dt.datetime) -> None:
        """A recipient's own WhatsApp message: it opens the 24-hour window for free text."""
        await self.db["whatsapp_windows"].update_one({"_id": phone, "last_at": {"$not": {"$gt": at}}},
                                                     {"$set": {"last_at": at}}, upsert=True)

    async def message_of_provider_id(self, provider_id: str) -> str | None:
        link = await self.provider_ids.find_one({"_id": provider_id})
        return link["message_id"] if link else None

    async def apply_provider_status(self, message_id: str, status: str, errors: list[dict[str, Any]] | None,
                                    now: dt.datetime) -> bool:
        """A provider's status moves a message forward only (sent → delivered → read; failed after
        sent or delivered), with its delivery event in the message's outbox. False: nothing changed."""
        msg = await self.coll.find_one({"_id": message_id}, {"payload": 0, outbox.FIELD: 0})
        if msg is None:
            return False
        if status == "failed":
            if msg["status"] not in ("sent", "delivered"):
                return False
            reason = "; ".join(str(e.get("title") or e.get("code"))[:200] for e in errors or [])[:1000] \
                or "failed after sending"
            fields = {"status": "failed", "error": reason}
        elif RANK.get(status, 0) <= RANK.get(msg["status"], 9):
            return False
        else:
            fields, reason = {"status": status}, None
        r = await self.coll.update_one({"_id": message_id, "status": msg["status"]}, {
            "$set": {**fields, "updated_at": now},
            "$push": {"history": {"at": now, "status": fields["status"], "note": "provider webhook"},
                      outbox.FIELD: delivery_event({**msg, **fields}, fields["status"], now, reason)}})
        return bool(r.modified_count)
