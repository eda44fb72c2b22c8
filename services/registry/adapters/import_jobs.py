"""Import jobs in the registry's database: the only code that reads or writes ``import_jobs`` and
``import_files``. A job holds who asked, the file's name and options, its status, progress and
report; the file's bytes are kept apart in chunks (an import may be 20 MB, a document at most 16)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bson import Binary
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

CHUNK = 4 * 1024 * 1024


class ImportJobs:
    def __init__(self, db: AsyncDatabase):
        self.coll = db["import_jobs"]
        self.files = db["import_files"]

    async def create(self, job: dict[str, Any], data: bytes) -> None:
        for n, i in enumerate(range(0, len(data), CHUNK)):
            await self.files.replace_one({"_id": f"{job['_id']}:{n}"},
                                         {"_id": f"{job['_id']}:{n}", "data": Binary(data[i:i + CHUNK])}, upsert=True)
        await self.coll.insert_one({**job, "chunks": (len(data) + CHUNK - 1) // CHUNK})

    async def data(self, job: dict[str, Any]) -> bytes:
        parts = [await self.files.find_one({"_id": f"{job['_id']}:{n}"}) for n in range(job["chunks"])]
        return b"".join(bytes(p["data"]) for p in parts if p is not None)

    async def get(self, job_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": job_id})

    async def move(self, job_id: str, sources: Sequence[str], target: str, **fields: Any) -> dict[str, Any] | None:
        """The job moved from one of ``sources`` to ``target``; None when it is elsewhere."""
        return await self.coll.find_one_and_update(
            {"_id": job_id, "status": {"$in": list(sources)}},
            {"$set": {"status": target, "updated_at": dt.datetime.now(dt.UTC), **fields}},
            return_document=ReturnDocument.AFTER)

    async def update(self, job_id: str, **fields: Any) -> None:
        await self.coll.update_one({"_id": job_id}, {"$set": {**fields, "updated_at": dt.datetime.now(dt.UTC)}})

    async def drop_file(self, job: dict[str, Any]) -> None:
        await self.files.delete_many({"_id": {"$in": [f"{job['_id']}:{n}" for n in range(job["chunks"])]}})
