"""Wiring of the events service: settings, database, producer, HTTP app."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.events.adapters.store import INDEXES
from services.events.settings import Settings
from shared import logs, web
from shared.runtime import Runtime


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    logs.configure_logging(settings.service_name, settings.log_level)
    runtime = Runtime(settings, indexes=INDEXES)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.start()
        app.state.runtime = runtime
        try:
            yield
        finally:
            await runtime.stop()

    return web.create_app(
        title="Kesbang Events", version="0.1.0", lifespan=lifespan,
        description="Kegiatan: facilitation days, dialogs, trainings, assemblies; invitees, RSVP, attendance.",
        routers=[web.health_router(runtime.ready_checks())],
    )
