"""Wiring of the early-warning service: settings, database, producer, outbox relay, reminders, HTTP app."""

from __future__ import annotations

import asyncio
import datetime as dt
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.earlywarning.adapters.ratelimit import PerMinute
from services.earlywarning.adapters.store import INDEXES, KegiatanCopy, RegistryCopy, Reports, Team
from services.earlywarning.api import reports, team
from services.earlywarning.application.reports import Ports
from services.earlywarning.changes import TOPIC
from services.earlywarning.reminders import Reminders
from services.earlywarning.settings import Settings
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
        db = runtime.db
        relay = OutboxRelay(runtime.producer, [db["reports"]], topic_for=settings.topic,
                            poll_seconds=settings.outbox_poll_seconds, sweep_seconds=settings.outbox_sweep_seconds)
        state = app.state
        state.runtime, state.settings, state.relay = runtime, settings, relay
        state.team = Team(db)
        state.copy = RegistryCopy(db)
        state.ports = Ports(reports=Reports(db, max_pending=settings.outbox_max_pending), team=state.team,
                            copy=state.copy, kegiatan=KegiatanCopy(db), relay=relay, web_url=settings.web_url)
        state.limiter = PerMinute(settings.redis_url, settings.public_per_minute)
        reminders = Reminders(state.ports, verify_within=dt.timedelta(hours=settings.verify_within_hours),
                              every=settings.reminder_sweep_seconds)
        tasks = [asyncio.create_task(relay.run(), name="outbox-relay"),
                 asyncio.create_task(reminders.run(), name="reminders")]
        try:
            yield
        finally:
            reminders.stop()
            relay.stop()
            await asyncio.gather(*tasks)
            await state.limiter.close()
            await runtime.stop()

    return web.create_app(
        title="Kesbang Early Warning", version="0.1.0", lifespan=lifespan,
        description="Reports of potential social conflict: intake, verification, handling, escalation, the team.",
        routers=[web.health_router(runtime.ready_checks()), reports.router, team.router],
        body_limits=[("POST", r"/(public/)?reports", 9 * 1024 * 1024)],  # three photos of 2 MB, base64
        public=[r"/public/reports"],
    )
