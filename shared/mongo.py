"""MongoDB access through PyMongo's async API (``pymongo.AsyncMongoClient``; Motor is end-of-life).

Each service owns one database and declares its indexes once; they are created at start-up."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, OperationFailure, PyMongoError

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Capabilities:
    """What the database server answers well. MongoDB's are the default; :func:`detect` replaces
    them at start with those of the server it finds (``shared/ferretdb.py`` for the local one)."""

    name: str = "mongodb"
    write_batch: int = 1000  # statements in one bulk write command
    id_batch: int = 1000  # ids in one ``{_id: {$in: ids}}``, answered from the _id index
    secondary_indexes: bool = True  # queries use indexes other than _id: each declared one is made


MONGODB = Capabilities()
_current = MONGODB


def capabilities() -> Capabilities:
    """This process's capabilities (:func:`detect` sets them)."""
    return _current


async def detect(db: AsyncDatabase) -> Capabilities:
    """Asks the server what it is (``buildInfo``) and sets this process's capabilities."""
    global _current
    info = await db.client.admin.command("buildInfo")
    if "ferretdbVersion" in info:
        from shared import ferretdb

        _current = ferretdb.CAPABILITIES
    else:
        _current = MONGODB
    return _current


async def by_ids(coll: AsyncCollection, ids: Sequence[Any],
                 projection: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The documents of these ids that exist (in no particular order): one ``$in`` query per
    ``id_batch`` ids."""
    if not ids:
        return []
    unique = list(dict.fromkeys(ids))
    out: list[dict[str, Any]] = []
    for i in range(0, len(unique), _current.id_batch):
        out += await coll.find({"_id": {"$in": unique[i:i + _current.id_batch]}}, projection).to_list(None)
    return out


def create_client(url: str, *, app_name: str) -> AsyncMongoClient:
    return AsyncMongoClient(
        url, appname=app_name, tz_aware=True, uuidRepresentation="standard",
        serverSelectionTimeoutMS=5000, connectTimeoutMS=5000,
    )


Expiry = tuple[str, str, int]  # (collection, date field, seconds after it)


async def ensure_indexes(db: AsyncDatabase, indexes: Mapping[str, Sequence[IndexModel]],
                         replaced: Mapping[str, Sequence[str]] | None = None) -> list[Expiry]:
    """Creates what is missing; ``replaced``: index names an earlier version made, dropped first.
    On a server whose queries use no secondary index (``Capabilities.secondary_indexes``) only the
    unique ones are made — they are constraints — and the others, dropped if an earlier start made
    them, cost its writes nothing.

    Returns the TTL indexes the server does not expire by itself (FerretDB 1.24 answers
    NotImplemented to ``expireAfterSeconds``): :func:`sweep_expired` removes what MongoDB's TTL
    monitor would. On MongoDB the list is empty."""
    for collection, names in (replaced or {}).items():
        existing = {i["name"] async for i in await db[collection].list_indexes()}
        for name in names:
            if name in existing:
                await db[collection].drop_index(name)
    emulated: list[Expiry] = []
    for collection, models in indexes.items():
        if not _current.secondary_indexes:
            unused = [m.document for m in models if not m.document.get("unique")]
            emulated += [(collection, next(iter(d["key"])), int(d["expireAfterSeconds"]))
                         for d in unused if "expireAfterSeconds" in d]
            made = {i["name"] async for i in await db[collection].list_indexes()} if unused else set()
            for d in unused:
                if d["name"] in made:
                    await db[collection].drop_index(d["name"])
            models = [m for m in models if m.document.get("unique")]
        # One index per call: FerretDB 1.24 drops the connection (a server panic) when a single
        # createIndexes call re-declares two or more indexes that already exist.
        for model in models:
            try:
                await db[collection].create_indexes([model])
            except OperationFailure as e:
                ttl = model.document.get("expireAfterSeconds")
                if ttl is None or e.code != NOT_IMPLEMENTED:
                    raise
                plain = {k: v for k, v in model.document.items() if k not in ("key", "expireAfterSeconds")}
                await db[collection].create_indexes([IndexModel(list(model.document["key"].items()), **plain)])
                emulated.append((collection, next(iter(model.document["key"])), int(ttl)))
    return emulated


NOT_IMPLEMENTED = 238


async def sweep_expired(db: AsyncDatabase, expiries: Sequence[Expiry], stop: asyncio.Event,
                        every: float = 600.0) -> None:
    """Deletes, every ``every`` seconds, the documents a TTL index would have expired."""
    while not stop.is_set():
        for collection, field, seconds in expiries:
            try:
                cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
                await db[collection].delete_many({field: {"$lt": cutoff}})
            except PyMongoError as e:  # the database is away: the next round deletes them
                log.warning("expiry sweep of %s failed: %r", collection, e)
        try:
            await asyncio.wait_for(stop.wait(), every)
        except asyncio.TimeoutError:
            pass


async def bulk_write_chunked(coll: AsyncCollection, ops: Sequence[Any], *, ordered: bool = False,
                             parallel: int = 1) -> None:
    """``bulk_write`` in commands of at most ``write_batch`` statements (see :class:`Capabilities`),
    ``parallel`` of them at once (only for unordered writes of different documents)."""
    n = _current.write_batch
    chunks = [list(ops[i:i + n]) for i in range(0, len(ops), n)]
    step = 1 if ordered else max(1, parallel)
    for i in range(0, len(chunks), step):
        await asyncio.gather(*(coll.bulk_write(c, ordered=ordered) for c in chunks[i:i + step]))


def id_prefix(prefix: str) -> dict[str, str]:
    """A filter on ``_id`` for every string id starting with ``prefix``: ``{$gte: P, $lt: P'}`` with
    the last character of P incremented — the shape the patched FerretDB answers from its _id index
    (deploy/ferretdb/patches.py, fix 4); MongoDB does anyway."""
    return {"$gte": prefix, "$lt": prefix[:-1] + chr(ord(prefix[-1]) + 1)}


async def insert_new(coll: AsyncCollection, docs: Sequence[dict[str, Any]]) -> set[Any]:
    """Inserts, in one unordered command, the documents whose _id is not there yet; returns the ids
    it inserted (a repeated insert — a redelivered event, a resumed fan-out — inserts nothing)."""
    if not docs:
        return set()
    try:
        await coll.insert_many(list(docs), ordered=False)
        return {d["_id"] for d in docs}
    except BulkWriteError as e:
        errors = e.details.get("writeErrors", [])
        if any(err.get("code") != 11000 for err in errors):
            raise
        failed = {err["index"] for err in errors}
        return {d["_id"] for i, d in enumerate(docs) if i not in failed}


async def ping(db: AsyncDatabase) -> None:
    await db.command("ping")
