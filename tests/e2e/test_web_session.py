"""The web application's session against the real registry and Redis: two requests of one browser
(a page and its letter preview) that both find the access token due renew it once, and the
session survives — the registry refuses a refresh token used twice, which would end it."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from services.web.adapters.apis import Apis
from services.web.adapters.sessions import Sessions
from services.web.application import session
from tests.e2e.web_support import PASSWORD, make_account


async def test_a_request_that_read_the_session_before_another_renewed_it_keeps_it(platform, infra, headers):
    username = await make_account(platform, headers, "operator", "35.75")
    apis = Apis.connect(**{s: platform.urls[s] for s in ("registry", "events", "notifications", "reporting",
                                                         "earlywarning")}, timeout=30)
    redis = aioredis.from_url(infra.redis_url)
    waiting, go = asyncio.Event(), asyncio.Event()

    class Racing(Sessions):  # the second request has read the session; it reaches the lock once the first is done
        async def lock_renewal(self, session_id: str, seconds: int = 10) -> bool:
            if asyncio.current_task().get_name() == "second":
                waiting.set()
                await go.wait()
            return await super().lock_renewal(session_id, seconds)

    sessions = Racing(redis, 600)
    try:
        sid = await session.login(apis, sessions, username, PASSWORD, "127.0.0.1", check_seconds=60)
        data = await sessions.get(sid)
        await sessions.save(sid, {**data, "renew_at": 0})  # the access token is due
        second = asyncio.create_task(session.current(apis, sessions, sid, check_seconds=60), name="second")
        await waiting.wait()
        first = await session.current(apis, sessions, sid, check_seconds=60)
        assert first is not None and first.access_token != data["access"]  # renewed
        go.set()
        assert await second is not None  # it did not spend the used refresh token
        again = await session.current(apis, sessions, sid, check_seconds=60)
        assert again is not None and again.access_token == first.access_token
    finally:
        await apis.close()
        await redis.aclose()
