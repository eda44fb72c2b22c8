"""Wiring of reporting: settings, database, HTTP app."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from fastapi import FastAPI

from services.reporting import metrics
from services.reporting.adapters.reports import Reports
from services.reporting.adapters.store import INDEXES, Projections
from services.reporting.api import dashboard, reports
from services.reporting.api.stats import router
from services.reporting.settings import Settings
from shared import logs, tracing, web
from shared.runtime import Runtime


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    logs.configure_logging(settings.service_name, settings.log_level)
    tracing.setup(settings.service_name)
    runtime = Runtime(settings, indexes=INDEXES)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.start()
        app.state.runtime = runtime
        app.state.projections = Projections(runtime.db)
        app.state.reports = Reports(runtime.db)
        app.state.settings = settings
        app.state.redis = aioredis.from_url(settings.redis_url)
        app.state.filtered_slot = asyncio.Semaphore(1)
        stop = asyncio.Event()
        task = asyncio.create_task(metrics.keep_fresh(app.state.projections, settings.metrics_every_seconds, stop))
        try:
            yield
        finally:
            stop.set()
            await task
            await runtime.stop()

    return web.create_app(
        title="Kesbang Reporting", version="0.1.0", lifespan=lifespan,
        description="Dashboards and compiled reports, rolled up city → province → nation.",
        routers=[web.health_router(runtime.ready_checks()), router, reports.router, dashboard.router],
    )
