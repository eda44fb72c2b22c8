"""Sessions in Redis: the only state the web application keeps. The browser holds a random id in
an HttpOnly cookie; Redis holds, under the id's digest, who is signed in, their access and refresh
tokens and the session's CSRF token. A session expires after ``session_idle_minutes`` unused
(every request renews the expiry); logging out deletes it."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

import redis.asyncio as aioredis

PREFIX = "web:session:"


def _key(session_id: str) -> str:
    return PREFIX + hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    def __init__(self, redis: aioredis.Redis, idle_seconds: int):
        self.redis = redis
        self.idle_seconds = idle_seconds

    async def open(self, data: dict[str, Any]) -> str:
        session_id = secrets.token_urlsafe(32)
        await self.redis.set(_key(session_id), json.dumps(data), ex=self.idle_seconds)
        return session_id

    async def get(self, session_id: str) -> dict[str, Any] | None:
        """The session, its idle expiry renewed; None when it has ended."""
        raw = await self.redis.getex(_key(session_id), ex=self.idle_seconds)
        return json.loads(raw) if raw else None

    async def save(self, session_id: str, data: dict[str, Any]) -> None:
        await self.redis.set(_key(session_id), json.dumps(data), ex=self.idle_seconds, xx=True)

    async def lock_renewal(self, session_id: str, seconds: int = 10) -> bool:
        """One renewal of the access token at a time per session (a refresh token is used once)."""
        return bool(await self.redis.set(_key(session_id) + ":renewing", "1", nx=True, ex=seconds))

    async def unlock_renewal(self, session_id: str) -> None:
        await self.redis.delete(_key(session_id) + ":renewing")

    async def end(self, session_id: str) -> None:
        await self.redis.delete(_key(session_id))
