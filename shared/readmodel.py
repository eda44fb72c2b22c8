"""Local copies of another service's aggregates, kept from its events with version checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from shared.mongo import bulk_write_chunked, insert_new


async def upsert_versioned(coll: AsyncCollection, key: str, version: int, fields: Mapping[str, Any]) -> bool:
    """Stores ``fields`` for ``key`` unless a copy at ``version`` or newer is already there.

    Returns True when the copy changed. Redelivered and out-of-order events are no-ops."""
    try:
        result = await coll.update_one(
            {"_id": key, "version": {"$lt": version}},
            {"$set": {**fields, "version": version}},
            upsert=True,
        )
    except DuplicateKeyError:  # a newer (or the same) version is already stored
        return False
    return result.modified_count > 0 or result.upserted_id is not None


class BatchedCopies:
    """Copies kept a consumer batch at a time: ``put`` remembers the newest version of each key seen
    since the last ``flush`` (an event carries the whole copy, so an older one of the same batch is
    simply superseded); ``flush`` inserts the copies not there yet in one unordered insert, then
    updates the others where the stored version is older — a newer copy already stored wins, a
    redelivered batch changes nothing.

    Not one upsert per copy: FerretDB 1.24 stops an unordered update command at its first error (an
    upsert whose version filter fails on a stored newer copy raises a duplicate key) and skips the
    statements after it. An insert goes on past a duplicate; an update without upsert has none.

    The consumer calls ``flush`` from its ``on_batch_end`` hook, before it commits the batch's
    offsets: a crash before that redelivers the batch. A failed flush keeps what it had to write, so
    the retry writes it again."""

    def __init__(self, coll: AsyncCollection, *, parallel: int = 3):
        self.coll = coll
        self.parallel = parallel
        self.pending: dict[Any, tuple[int, dict[str, Any]]] = {}

    def put(self, key: Any, version: int, fields: Mapping[str, Any]) -> None:
        seen = self.pending.get(key)
        if seen is None or version > seen[0]:
            self.pending[key] = (version, dict(fields))

    async def flush(self) -> int:
        """Writes what was put; returns how many copies were new."""
        if not self.pending:
            return 0
        pending, self.pending = self.pending, {}
        try:
            inserted = await insert_new(self.coll, [{**f, "_id": k, "version": v} for k, (v, f) in pending.items()])
            ops = [UpdateOne({"_id": k, "version": {"$lt": v}}, {"$set": {**f, "version": v}})
                   for k, (v, f) in pending.items() if k not in inserted]
            await bulk_write_chunked(self.coll, ops, parallel=self.parallel)
        except BaseException:
            for k, (v, f) in pending.items():  # all again: what was written is a no-op the second time
                self.put(k, v, f)
            raise
        return len(inserted)


class OrmasCopy:
    """A service's copy of the registry's ormas, kept from ``registry.ormas`` events (keyed by
    ``ormas_id``, version-checked); ``to_copy`` takes what the service keeps from an event's data.
    ``batched``: ``apply`` keeps the copy for ``flush`` (the consumer's ``on_batch_end``)."""

    def __init__(self, coll: AsyncCollection, to_copy, *, batched: bool = False):
        self.coll = coll
        self.to_copy = to_copy
        self.batch = BatchedCopies(coll) if batched else None

    async def apply(self, data: dict[str, Any]) -> None:
        if self.batch is not None:
            self.batch.put(data["ormas_id"], data["version"], self.to_copy(data))
        else:
            await upsert_versioned(self.coll, data["ormas_id"], data["version"], self.to_copy(data))

    async def flush(self) -> None:
        if self.batch is not None:
            await self.batch.flush()


class OfficeCopy:
    """A service's copy of the offices' settings (letterhead, head, logo), kept from
    ``registry.office`` events, by region (``nasional`` for the national office)."""

    def __init__(self, coll: AsyncCollection, *, with_logo: bool = True):
        self.coll = coll
        self.with_logo = with_logo

    async def apply(self, data: Mapping[str, Any]) -> bool:
        fields = {k: v for k, v in data.items() if k not in ("version", "logo", "signature")}
        if self.with_logo:  # and the signature image: the copies that write letters
            fields["logo"], fields["signature"] = data.get("logo"), data.get("signature")
        return await upsert_versioned(self.coll, data["region"] or "nasional", data["version"], fields)

    async def of(self, region: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": region or "nasional"})
