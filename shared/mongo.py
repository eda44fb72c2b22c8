"""MongoDB access through PyMongo's async API (``pymongo.AsyncMongoClient``; Motor is end-of-life).

Each service owns one database and declares its indexes once; they are created at start-up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase


def create_client(url: str, *, app_name: str) -> AsyncMongoClient:
    return AsyncMongoClient(
        url, appname=app_name, tz_aware=True, uuidRepresentation="standard",
        serverSelectionTimeoutMS=5000, connectTimeoutMS=5000,
    )


async def ensure_indexes(db: AsyncDatabase, indexes: Mapping[str, Sequence[IndexModel]]) -> None:
    for collection, models in indexes.items():
        # One index per call: FerretDB 1.24 drops the connection (a server panic) when a single
        # createIndexes call re-declares two or more indexes that already exist.
        for model in models:
            await db[collection].create_indexes([model])


async def ping(db: AsyncDatabase) -> None:
    await db.command("ping")
