"""Offices, user accounts and sessions in the registry's database: the only code that reads or
writes the ``offices``, ``users`` and ``sessions`` collections.

A session is a refresh token, stored by its SHA-256 only, with the end of the session it belongs
to; a TTL index (or, on the local FerretDB, the runtime's sweep) removes it when that passes."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared import errors, outbox, regions

HIDE_PASSWORD = {"password": 0}


def _office_id(region: str) -> str:
    return region or "nasional"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Accounts:
    def __init__(self, db: AsyncDatabase):
        self.offices = db["offices"]
        self.users = db["users"]
        self.signups = db["signups"]  # new organisations' sign-ups, until their e-mail is verified
        self.sessions = db["sessions"]

    # --- offices -----------------------------------------------------------------------------
    async def office(self, region: str) -> dict[str, Any] | None:
        return await self.offices.find_one({"_id": _office_id(region)})

    async def put_office(self, region: str, fields: dict[str, Any],
                         event: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        """Writes the settings and, in the same write, the event ``event(doc after)`` makes of them
        (the relay publishes it); retried when another write moved the version meanwhile."""
        for _ in range(5):
            old = await self.offices.find_one({"_id": _office_id(region)}) or {}
            version = old.get("version") or 0
            after = {**old, **fields, "version": version + 1}
            f, u = outbox.guarded({"_id": _office_id(region), "version": version if version else None},
                                  {"$set": {**fields, "version": version + 1}}, [event(after)], 100)
            try:
                r = await self.offices.update_one(f, u, upsert=not version)
            except DuplicateKeyError:
                continue  # another first write came meanwhile
            if r.modified_count or r.upserted_id is not None:
                return after
        raise errors.StaleVersion("the office's settings changed meanwhile; try again")

    # --- users -------------------------------------------------------------------------------
    async def user(self, username: str, *, with_password: bool = False) -> dict[str, Any] | None:
        return await self.users.find_one({"_id": username}, None if with_password else HIDE_PASSWORD)

    async def has_admin(self) -> bool:
        return await self.users.find_one({"role": "admin"}, {"_id": 1}) is not None

    async def create_user(self, doc: dict[str, Any]) -> None:
        try:
            await self.users.insert_one(doc)
        except DuplicateKeyError:
            raise errors.Duplicate(f"user {doc['_id']!r} exists") from None

    async def users_within(self, scope: str, *, active: bool | None, after: str | None,
                           limit: int) -> list[dict[str, Any]]:
        """The accounts of ``scope`` and below, by username after ``after`` (an index range on _id;
        the region is a prefix match on its index)."""
        query: dict[str, Any] = {} if scope == regions.NATIONAL else {"region": {"$regex": regions.prefix_regex(scope)}}
        if active is not None:
            query["active"] = active
        if after:
            query["_id"] = {"$gt": after}
        return await self.users.find(query, HIDE_PASSWORD).sort("_id", 1).limit(limit).to_list(None)

    async def add_signup(self, doc: dict[str, Any]) -> None:
        """A sign-up waiting for its e-mail to be verified (its verification event in its outbox)."""
        await self.signups.insert_one(doc)

    async def take_signup(self, token_digest: str) -> dict[str, Any] | None:
        """The sign-up of a verification link, marked used (once: a second use finds none)."""
        return await self.signups.find_one_and_update({"_id": token_digest, "used_at": None},
                                                      {"$set": {"used_at": dt.datetime.now(dt.UTC)}})

    async def ormas_account(self, ormas_id: str) -> dict[str, Any] | None:
        return await self.users.find_one({"ormas_id": ormas_id, "role": "ormas"}, HIDE_PASSWORD)

    async def by_activation(self, token_digest: str) -> dict[str, Any] | None:
        return await self.users.find_one({"activation.digest": token_digest}, HIDE_PASSWORD)

    async def update_user(self, username: str, fields: dict[str, Any]) -> dict[str, Any] | None:
        # not find_one_and_update with a projection: FerretDB 1.24 does not implement its "fields"
        await self.users.update_one({"_id": username}, {"$set": fields})
        return await self.user(username)

    # --- sessions ----------------------------------------------------------------------------
    async def open_session(self, secret: str, username: str, now: dt.datetime, ends: dt.datetime) -> None:
        await self.sessions.insert_one({"_id": digest(secret), "user": username, "created_at": now,
                                        "expires_at": ends})

    async def take_session(self, secret: str) -> dict[str, Any] | None:
        """The session of a refresh token, removed: a refresh token is used once."""
        return await self.sessions.find_one_and_delete({"_id": digest(secret)})

    async def end_sessions(self, username: str) -> None:
        await self.sessions.delete_many({"user": username})
