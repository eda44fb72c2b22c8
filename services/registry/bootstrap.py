"""Wiring of the registry: settings, database, producer, outbox relay, HTTP app."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from fastapi import FastAPI

from services.registry import changes
from services.registry.adapters.accounts import Accounts
from services.registry.adapters.change_requests import ChangeRequests
from services.registry.adapters.import_jobs import ImportJobs
from services.registry.adapters.recommendations import Requests
from services.registry.adapters.repository import INDEXES, OrmasRepository
from services.registry.adapters.search_feed import SearchFeed
from services.registry.adapters.throttle import LoginThrottle
from services.registry.api import (
    accounts,
    activity,
    change_requests,
    directory,
    documents,
    imports,
    kemendagri,
    portal,
    recommendations,
)
from services.registry.api.ormas import router
from services.registry.domain import documents as document_rules
from services.registry.domain import offices as office_rules
from services.registry.domain.ormas import TOPIC
from services.registry.domain.search import SearchIndex
from services.registry.settings import Settings
from shared import logs, tracing, web
from shared.outbox import OutboxRelay
from shared.runtime import Runtime


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    logs.configure_logging(settings.service_name, settings.log_level)
    tracing.setup(settings.service_name)
    runtime = Runtime(settings, indexes=INDEXES, topics=[TOPIC, changes.OFFICE_TOPIC, changes.ACCOUNT_TOPIC])

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.start()
        relay = OutboxRelay(runtime.producer, [runtime.db["ormas"], runtime.db["offices"], runtime.db["signups"]],
                            topic_for=settings.topic,
                            poll_seconds=settings.outbox_poll_seconds, sweep_seconds=settings.outbox_sweep_seconds,
                            hints=runtime.db["outbox_hints"])  # the import job names what it recorded
        app.state.runtime = runtime
        app.state.settings = settings
        app.state.jwk = accounts.public_jwk(settings.jwt_public_key_file.read_bytes()) \
            if settings.jwt_public_key_file else None
        app.state.search = SearchIndex()
        feed = SearchFeed(app.state.search, runtime.db["ormas"], bootstrap=settings.kafka_bootstrap,
                          topic=settings.topic(TOPIC))
        await feed.start()  # ready only once the index holds the whole book
        app.state.ormas = OrmasRepository(runtime.db, max_pending=settings.outbox_max_pending)
        app.state.accounts = Accounts(runtime.db)
        app.state.recommendations = Requests(runtime.db)
        app.state.change_requests = ChangeRequests(runtime.db)
        app.state.import_jobs = ImportJobs(runtime.db)
        app.state.relay = relay
        app.state.throttle = LoginThrottle(
            aioredis.from_url(settings.redis_url), account_max=settings.login_account_max_failures,
            address_max=settings.login_address_max_failures, window=settings.login_window_seconds,
            namespace=settings.topic_prefix)
        task = asyncio.create_task(relay.run(), name="outbox-relay")
        try:
            yield
        finally:
            relay.stop()
            await task
            await feed.stop()
            await app.state.throttle.redis.aclose()
            await runtime.stop()

    return web.create_app(
        title="Kesbang Registry", version="0.1.0", lifespan=lifespan,
        description="The office's book of ormas, officers, SKT and sanctions.",
        routers=[web.health_router(runtime.ready_checks()), accounts.router, imports.router, documents.router, router,
                 directory.router, portal.router, activity.router, recommendations.router,
                 change_requests.router, kemendagri.router],  # /ormas/export before /ormas/{id}
        body_limits=[("POST", r"/ormas/imports(/jobs)?", imports.MAX_BYTES + 64 * 1024),
                     ("POST", r"/ormas/[^/]+/documents", document_rules.MAX_BYTES + 64 * 1024),
                     ("PUT", r"/offices/[^/]+/(logo|signature)", office_rules.MAX_LOGO_BYTES + 16 * 1024)],
        public=[r"/auth/token", r"/auth/setup", r"/auth/activation", r"/portal/signup"],
    )
