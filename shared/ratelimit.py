"""A fixed window per key in Redis, shared by every replica: at most ``limit`` calls per
``window`` seconds (the public forms' and downloads' abuse limits)."""

from __future__ import annotations

import time


async def within(redis, key: str, limit: int, window: int) -> bool:
    """Counts this call under ``key`` in the current window; True while it is within ``limit``."""
    slot = f"{key}:{int(time.time() // window)}"
    count = await redis.incr(slot)
    if count == 1:
        await redis.expire(slot, window * 2)
    return count <= limit
