"""Wiring of the web application: settings, the API clients, sessions in Redis, pages, assets."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import redis.asyncio as aioredis
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders

from services.web.adapters.apis import Apis
from services.web.adapters.sessions import Sessions
from services.web.api import (
    accounts,
    activity,
    applications,
    auth,
    changes,
    checkin,
    dashboard,
    directory,
    earlywarning,
    home,
    imports,
    kegiatan,
    ormas,
    pages,
    portal,
    recommendations,
    reports,
    verification,
)
from services.web.settings import Settings
from shared import logs, tracing, web
from shared.heap import settle_heap

HERE = Path(__file__).resolve().parent
BODY_LIMIT = 64 * 1024  # a form
BODY_LIMITS = [("POST", r"/ormas/[^/]+/dokumen", 10 * 1024 * 1024 + 64 * 1024),  # a document (the registry's 10 MB)
               ("POST", r"/ormas/impor", 20 * 1024 * 1024 + 64 * 1024),  # an office's book (the registry's 20 MB)
               ("POST", r"/kantor/(logo|tanda-tangan)", 256 * 1024 + 16 * 1024),  # the office's images (256 KB)
               ("POST", r"/verifikasi/[^/]+", 5 * 1024 * 1024 + 64 * 1024),  # a signed document to check (5 MB)
               ("POST", r"/(lapor|peringatan-dini/baru|portal/lapor)", 3 * 2 * 1024 * 1024 + 64 * 1024),
               ("POST", r"/portal/dokumen", 10 * 1024 * 1024 + 64 * 1024)]  # an applicant's document (10 MB)  # three photos of 2 MB


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    logs.configure_logging(settings.service_name, settings.log_level)
    tracing.setup(settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.settings = settings
        app.state.apis = Apis.connect(registry=settings.registry_url, events=settings.events_url,
                                      notifications=settings.notifications_url, reporting=settings.reporting_url,
                                      earlywarning=settings.earlywarning_url, timeout=settings.api_timeout_seconds)
        redis = aioredis.from_url(settings.redis_url)
        app.state.sessions = Sessions(redis, settings.session_idle_minutes * 60)
        settle_heap()
        try:
            yield
        finally:
            await app.state.apis.close()
            await redis.aclose()

    app = FastAPI(title="Kesbang Web", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    pages.install(app)
    web.install_middleware(app)
    # bodies bounded before a form is read (a session is checked by the route, after the bound)
    app.add_middleware(web.BodyLimits, default=BODY_LIMIT, limits=BODY_LIMITS, refuse=pages.too_large_page)
    app.include_router(web.health_router({"redis": lambda: app.state.sessions.redis.ping()}))
    for r in (auth.router, home.router, imports.router, applications.router, portal.router, activity.router, recommendations.router,
              changes.router,
              ormas.router, accounts.router, dashboard.router,
              checkin.router, kegiatan.router, reports.router, verification.router, directory.router,
              earlywarning.router):  # /ormas/impor before /ormas/{id}
        app.include_router(r)

    app.add_middleware(SecurityHeaders)

    app.mount("/static/vendor", StaticFiles(directory=str(settings.vendor_dir), check_dir=False), name="vendor")
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    return app


class SecurityHeaders:
    """ASGI middleware: the headers every answer of the web application carries (pages are not
    cached; nothing is framed; scripts and styles only from the application itself)."""

    HEADERS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
               ("Referrer-Policy", "same-origin"),
               ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                           "script-src 'self'; frame-ancestors 'none'"))

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.HEADERS:
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)
