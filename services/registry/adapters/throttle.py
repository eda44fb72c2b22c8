"""Login throttling in Redis, shared by every registry replica.

Failed logins are counted per account and per client address in windows of ``window`` seconds.
An account with ``account_max`` failures, or an address with ``address_max``, is refused (429
with Retry-After) until its window ends — even with the right password, or guessing would go on —
or until an admin unlocks the account. A successful login clears the account's count."""

from __future__ import annotations

import dataclasses

import redis.asyncio as aioredis

from shared import ratelimit

PREFIX = "kesbang:login"


@dataclasses.dataclass(frozen=True)
class Locked(Exception):
    retry_after: int
    what: str  # "account" or "address"


class LoginThrottle:
    def __init__(self, redis: aioredis.Redis, *, account_max: int, address_max: int, window: int, namespace: str = ""):
        self.redis = redis
        self.account_max, self.address_max, self.window = account_max, address_max, window
        self.ns = f"{PREFIX}:{namespace}" if namespace else PREFIX

    def _account(self, username: str) -> str:
        return f"{self.ns}:account:{username}"

    def _keys(self, username: str, address: str) -> tuple[str, str]:
        return self._account(username), f"{self.ns}:address:{address}"

    async def check(self, username: str, address: str) -> None:
        """Raises Locked when this account or this address may not try now."""
        account, addr = self._keys(username, address)
        async with self.redis.pipeline(transaction=False) as p:
            p.get(account).ttl(account).get(addr).ttl(addr)
            a, a_ttl, b, b_ttl = await p.execute()
        if a is not None and int(a) >= self.account_max:
            raise Locked(max(1, a_ttl), "account")
        if b is not None and int(b) >= self.address_max:
            raise Locked(max(1, b_ttl), "address")

    async def failed(self, username: str, address: str) -> None:
        account, addr = self._keys(username, address)
        async with self.redis.pipeline(transaction=True) as p:
            # the window starts at the first failure (SET NX with its expiry; INCR keeps the expiry),
            # so later failures cannot keep it open forever
            for key in (account, addr):
                p.set(key, 0, ex=self.window, nx=True).incr(key)
            await p.execute()

    async def allow_signup(self, address: str, per_hour: int = 5) -> bool:
        """A fixed hourly window of sign-ups per client address (the portal's new organisations)."""
        return await ratelimit.within(self.redis, f"{self.ns}:signup:{address}", per_hour, 3600)

    async def unlock(self, username: str) -> bool:
        """Clears the account's failures: after a successful login, or by an admin."""
        return bool(await self.redis.delete(self._account(username)))
