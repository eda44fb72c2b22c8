"""A fixed-window count per client address in Redis: the public intake's abuse limit."""

from __future__ import annotations

import redis.asyncio as aioredis

from shared import ratelimit


class PerMinute:
    def __init__(self, url: str, limit: int, *, prefix: str = "ew:public"):
        self.redis = aioredis.from_url(url)
        self.limit = limit
        self.prefix = prefix

    async def allow(self, client: str) -> bool:
        return await ratelimit.within(self.redis, f"{self.prefix}:{client}", self.limit, 60)

    async def close(self) -> None:
        await self.redis.aclose()
