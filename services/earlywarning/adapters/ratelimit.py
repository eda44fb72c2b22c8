"""A fixed-window count per client address in Redis: the public intake's abuse limit."""

from __future__ import annotations

import time

import redis.asyncio as aioredis


class PerMinute:
    def __init__(self, url: str, limit: int, *, prefix: str = "ew:public"):
        self.redis = aioredis.from_url(url)
        self.limit = limit
        self.prefix = prefix

    async def allow(self, client: str) -> bool:
        key = f"{self.prefix}:{client}:{int(time.time() // 60)}"
        count = await self.redis.incr(key)
        if count == 1:
            await self.redis.expire(key, 120)
        return count <= self.limit

    async def close(self) -> None:
        await self.redis.aclose()
