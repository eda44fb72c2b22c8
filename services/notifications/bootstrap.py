"""Wiring of notifications: settings, database, producer, delivery-event relay, HTTP app."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.notifications.adapters.inbox import Messages
from services.notifications.adapters.signing import OfficeKeys
from services.notifications.adapters.store import INDEXES, TOPIC, Contacts
from services.notifications.api import documents, webhooks
from services.notifications.api.messages import router
from services.notifications.consumers import celery_enqueue, celery_fall_back
from services.notifications.settings import Settings
from shared import logs, tracing, web
from shared.outbox import OutboxRelay
from shared.runtime import Runtime


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    logs.configure_logging(settings.service_name, settings.log_level)
    tracing.setup(settings.service_name)
    runtime = Runtime(settings, indexes=INDEXES, topics=[TOPIC])

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.start()
        # the workers write delivery events into the message records and leave a hint naming each;
        # a full sweep (NOTIFICATIONS_OUTBOX_SWEEP_SECONDS) finds what a crash left unhinted
        relay = OutboxRelay(runtime.producer, [runtime.db["messages"]], topic_for=settings.topic,
                            poll_seconds=settings.outbox_poll_seconds, sweep_seconds=settings.outbox_sweep_seconds,
                            hints=runtime.db["outbox_hints"])
        app.state.runtime, app.state.settings, app.state.relay = runtime, settings, relay
        app.state.enqueue, app.state.fall_back = celery_enqueue, celery_fall_back
        app.state.messages = Messages(runtime.db)
        app.state.keys = OfficeKeys(settings.signing_keys_dir)
        app.state.contacts = Contacts(runtime.db)  # read by an ormas account's own letter
        task = asyncio.create_task(relay.run(), name="outbox-relay")
        try:
            yield
        finally:
            relay.stop()
            await task
            await runtime.stop()

    return web.create_app(
        title="Kesbang Notifications", version="0.1.0", lifespan=lifespan,
        description="Invitation letters, reminders and delivery tracking, sent by Celery workers.",
        routers=[web.health_router(runtime.ready_checks()), router, webhooks.router, documents.router],
        body_limits=[("POST", r"/webhooks/whatsapp", 1024 * 1024), ("POST", r"/documents/[^/]+/check", documents.MAX_PDF)],
        public=[r"/webhooks/whatsapp", r"/documents/[^/]+/check"],
    )
