"""The events service's MongoDB collections.

- ``kegiatan``: one document per kegiatan, its pending ``events.kegiatan`` events inside it.
- ``participants``: one document per participant, keyed ``"<kegiatan id>:<participant>"`` so that
  one kegiatan's participants are an _id prefix (an index range on MongoDB and on the local
  FerretDB alike), each with its pending ``events.participation`` events inside it.
- ``registry_ormas``: the copy of the registry kept from ``registry.ormas``, read by targeting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from services.events.domain.registry_copy import ormas_copy
from shared import outbox, readmodel
from shared.mongo import by_ids, id_prefix, insert_new
from shared.outbox import OutboxFull

INDEXES = {
    "registry_ormas": [IndexModel([("region", ASCENDING), ("kind", ASCENDING)], name="region_kind")],
    "kegiatan": [IndexModel([("region", ASCENDING), ("starts_at", ASCENDING)], name="region_starts"),
                 IndexModel([("starts_at", DESCENDING), ("_id", DESCENDING)], name="starts_id"),
                 IndexModel([("fanout.state", ASCENDING)], name="fanout_state", sparse=True),
                 *outbox.INDEXES],
    "participants": [IndexModel([("ormas_id", ASCENDING)], name="ormas", sparse=True), *outbox.INDEXES],
    "invitee_lists": [],
}
HIDDEN = {outbox.FIELD: 0, outbox.LEASE: 0}


def participant_id(kegiatan_id: str, local: str) -> str:
    return f"{kegiatan_id}:{local}"


def prefix(kegiatan_id: str) -> dict[str, str]:
    """Every _id starting with "<kegiatan id>:"."""
    return id_prefix(f"{kegiatan_id}:")


class RegistryCopy(readmodel.OrmasCopy):
    """The copy of the registry's ormas that invitee lists are resolved on."""

    def __init__(self, db: AsyncDatabase, *, batched: bool = False):
        super().__init__(db["registry_ormas"], ormas_copy, batched=batched)

    async def all_within(self, region: str) -> list[dict[str, Any]]:
        """Every ormas of the copy in this region and below (read in one pass)."""
        filter_ = {} if not region else {"region": {"$regex": f"^{region.replace('.', '[.]')}([.]|$)"}}
        return [d async for d in self.coll.find(filter_)]

    async def by_ids(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The copies of these ids (those the copy has)."""
        return {d["_id"]: d for d in await by_ids(self.coll, ids)}


class KegiatanRepository:
    def __init__(self, db: AsyncDatabase, *, max_pending: int = 100):
        self.coll = db["kegiatan"]
        self.lists = db["invitee_lists"]
        self.max_pending = max_pending

    async def save_invitees(self, kegiatan_id: str, run: str, ids: list[str]) -> str:
        """Stores a frozen invitee list under its own id; it takes effect when the kegiatan names it."""
        list_id = f"{kegiatan_id}:{run}"
        await self.lists.replace_one({"_id": list_id}, {"_id": list_id, "ormas_ids": ids}, upsert=True)
        return list_id

    async def invitees(self, doc: Mapping[str, Any]) -> list[str]:
        if not doc.get("invitee_list"):
            return []
        found = await self.lists.find_one({"_id": doc["invitee_list"]})
        return found["ormas_ids"] if found else []

    async def insert(self, doc: dict[str, Any]) -> None:
        await self.coll.insert_one(doc)

    async def get(self, kegiatan_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": kegiatan_id}, HIDDEN)

    async def seats_held(self, kegiatan_id: str, key: str) -> int:
        doc = await self.coll.find_one({"_id": kegiatan_id}, {f"seat_claims.{key}": 1})
        return int(((doc or {}).get("seat_claims") or {}).get(key) or 0)

    async def claim_seats(self, kegiatan_id: str, key: str, held: int, want: int, capacity: int) -> bool:
        """Moves one participant's seats from ``held`` to ``want`` in one conditional write of the
        kegiatan: its claim and the total change together, and only while the total stays within
        ``capacity`` — so replicas answering at once never seat more than there is room for."""
        delta = want - held
        if delta > capacity:
            return False
        query: dict[str, Any] = {"_id": kegiatan_id,
                                 f"seat_claims.{key}": held if held else {"$in": [0, None]}}
        if delta > 0:
            query["$or"] = [{"seats_taken": {"$lte": capacity - delta}}, {"seats_taken": {"$exists": False}}]
        r = await self.coll.update_one(query, {"$set": {f"seat_claims.{key}": want}, "$inc": {"seats_taken": delta}})
        return r.modified_count == 1

    async def change(self, kegiatan_id: str, version: int, set_fields: Mapping[str, Any],
                     history: Mapping[str, Any] | None, events: list[dict[str, Any]],
                     extra: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """Applies a change at ``version`` with its events in one write; None when the kegiatan is
        no longer at that version."""
        update: dict[str, Any] = {"$set": {**set_fields, "version": version + 1}}
        for op, fields in (extra or {}).items():
            update.setdefault(op, {}).update(fields)
        f, u = outbox.guarded({"_id": kegiatan_id, "version": version}, update, events, self.max_pending)
        if history is not None:
            u["$push"]["history"] = history
        doc = outbox.without_outbox(await self.coll.find_one_and_update(f, u, return_document=ReturnDocument.AFTER))
        if doc is None:
            current = await self.coll.find_one({"_id": kegiatan_id}, {"version": 1})
            if current is not None and current["version"] == version:
                raise OutboxFull()
        return doc

    async def list(self, *, scope: str, region: str | None, status: str | None, limit: int,
                   after: tuple | None) -> list[dict[str, Any]]:
        filter_: dict[str, Any] = {}
        wanted = region if region is not None else scope
        if wanted:
            filter_["region"] = {"$regex": f"^{wanted.replace('.', '[.]')}([.]|$)"}
        if status:
            filter_["status"] = status
        if after is not None:  # the cursor: the last (starts_at, _id) shown, newest first
            filter_["$or"] = [{"starts_at": {"$lt": after[0]}}, {"starts_at": after[0], "_id": {"$lt": after[1]}}]
        cursor = self.coll.find(filter_, {**HIDDEN, "history": 0}).sort([("starts_at", -1), ("_id", -1)])
        return await cursor.limit(limit).to_list(None)

    async def fanout_pending(self) -> list[str]:
        return [d["_id"] async for d in self.coll.find({"fanout.state": "pending"}, {"_id": 1})]


class ParticipantRepository:
    def __init__(self, db: AsyncDatabase, *, max_pending: int = 100):
        self.coll = db["participants"]
        self.links = db["short_links"]
        self.max_pending = max_pending

    async def insert_ids(self, docs: list[dict[str, Any]]) -> set[str]:
        """Inserts what is not there yet (one command); returns the ids it inserted."""
        return await insert_new(self.coll, docs)

    async def save_links(self, links: list[dict[str, Any]]) -> None:
        """The short RSVP links (``{"_id": code, "p": participant id}``), by their code."""
        await insert_new(self.links, links)

    async def by_link(self, code: str) -> dict[str, Any] | None:
        link = await self.links.find_one({"_id": code})
        return await self.get(link["p"]) if link else None

    async def get(self, pid: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": pid}, HIDDEN)

    async def waiting(self, kegiatan_id: str) -> list[dict[str, Any]]:
        """The kegiatan's waiting list, first come first."""
        docs = [d async for d in self.coll.find({"_id": prefix(kegiatan_id), "status": "waitlisted"}, HIDDEN)]
        return sorted(docs, key=lambda d: (d["waitlist"]["at"], d["_id"]))

    async def of(self, kegiatan_id: str, projection: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every participant of one kegiatan, in _id order."""
        return [d async for d in self.coll.find({"_id": prefix(kegiatan_id)}, projection or HIDDEN).sort("_id", 1)]

    async def change(self, pid: str, version: int, set_fields: Mapping[str, Any], history: Mapping[str, Any],
                     events: list[dict[str, Any]]) -> dict[str, Any] | None:
        f, u = outbox.guarded({"_id": pid, "version": version}, {"$set": {**set_fields, "version": version + 1}},
                              events, self.max_pending)
        u["$push"]["history"] = history
        doc = outbox.without_outbox(await self.coll.find_one_and_update(f, u, return_document=ReturnDocument.AFTER))
        if doc is None:
            current = await self.coll.find_one({"_id": pid}, {"version": 1})
            if current is not None and current["version"] == version:
                raise OutboxFull()
        return doc
