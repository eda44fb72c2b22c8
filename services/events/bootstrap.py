"""Wiring of the events service: settings, database, producer, outbox relay, fan-out, HTTP app."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.events.adapters.store import INDEXES, KegiatanRepository, ParticipantRepository, RegistryCopy
from services.events.api import kegiatan, outcomes, participants, portal, public
from services.events.changes import KEGIATAN_TOPIC, PARTICIPATION_TOPIC
from services.events.fanout import Fanout
from services.events.settings import Settings
from shared import logs, tracing, web
from shared.outbox import OutboxRelay
from shared.readmodel import OfficeCopy
from shared.runtime import Runtime


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    logs.configure_logging(settings.service_name, settings.log_level)
    tracing.setup(settings.service_name)
    runtime = Runtime(settings, indexes=INDEXES, topics=[KEGIATAN_TOPIC, PARTICIPATION_TOPIC])

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.start()
        db = runtime.db
        relay = OutboxRelay(runtime.producer, [db["kegiatan"], db["participants"]], topic_for=settings.topic,
                            poll_seconds=settings.outbox_poll_seconds, sweep_seconds=settings.outbox_sweep_seconds)
        state = app.state
        state.runtime, state.settings, state.relay = runtime, settings, relay
        state.secret = settings.token_secret.get_secret_value().encode()
        state.kegiatan = KegiatanRepository(db, max_pending=settings.outbox_max_pending)
        state.participants = ParticipantRepository(db, max_pending=settings.outbox_max_pending)
        state.copy = RegistryCopy(db)
        state.offices = OfficeCopy(db["offices"], with_logo=False)
        state.fanout = Fanout(state.kegiatan, state.participants, state.copy, runtime.producer,
                              topic_for=settings.topic, secret=state.secret,
                              public_url=settings.public_url, sweep_seconds=settings.fanout_sweep_seconds,
                              chunk=settings.fanout_chunk)
        tasks = [asyncio.create_task(relay.run(), name="outbox-relay"),
                 asyncio.create_task(state.fanout.run(), name="fan-out")]
        try:
            yield
        finally:
            state.fanout.stop()
            relay.stop()
            await asyncio.gather(*tasks)
            await runtime.stop()

    return web.create_app(
        title="Kesbang Events", version="0.1.0", lifespan=lifespan,
        description="Kegiatan: facilitation days, dialogs, trainings, assemblies; invitees, RSVP, attendance, outcomes.",
        routers=[web.health_router(runtime.ready_checks()), public.router, kegiatan.router, participants.router, outcomes.router,
                 portal.router],
        # 50,000 explicit invitees; minutes of 100,000 characters
        body_limits=[("PUT", r"/kegiatan/[^/]+/invitees", 4 * 1024 * 1024),
                     ("POST", r"/kegiatan/[^/]+/invitees", 4 * 1024 * 1024),
                     ("PUT", r"/kegiatan/[^/]+/minutes", 1024 * 1024)],
        public=[r"/(api/)?rsvp/[^/]+/[^/]+"],
    )
