"""Local copies of another service's aggregates, kept from its events with version checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError


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
