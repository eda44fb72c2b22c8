"""A token bucket per channel in Redis, shared by every worker (Celery's rate_limit counts per
worker). One Lua script takes a token atomically or says how long to wait; a provider's 429 or
retry-after empties the bucket for that long, so every worker backs off, not just the one told."""

from __future__ import annotations

import time

import redis

TAKE = """
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local b = redis.call('HMGET', key, 'tokens', 'ts', 'blocked_until')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
local blocked = tonumber(b[3]) or 0
if now < blocked then return {0, tostring(blocked - now)} end
tokens = math.min(burst, tokens + (now - ts) * rate)
if tokens >= 1 then
  redis.call('HSET', key, 'tokens', tokens - 1, 'ts', now)
  redis.call('EXPIRE', key, 3600)
  return {1, '0'}
end
redis.call('HSET', key, 'tokens', tokens, 'ts', now)
redis.call('EXPIRE', key, 3600)
return {0, tostring((1 - tokens) / rate)}
"""


class RateLimiter:
    def __init__(self, client: redis.Redis, rates: dict[str, float], prefix: str = "kesbang:ratelimit:"):
        self.r = client
        self.rates = rates
        self.prefix = prefix
        self._take = client.register_script(TAKE)

    def acquire(self, channel: str) -> float:
        """0 when a message may go now, else the seconds to wait."""
        rate = self.rates[channel]
        ok, wait = self._take(keys=[self.prefix + channel], args=[rate, max(1.0, rate), time.time()])
        return 0.0 if int(ok) == 1 else float(wait)

    def block(self, channel: str, seconds: float) -> None:
        """The provider said "slow down": no worker sends on this channel for ``seconds``."""
        self.r.hset(self.prefix + channel, mapping={"blocked_until": time.time() + seconds, "tokens": 0})
