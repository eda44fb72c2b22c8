"""Reporting's Celery app (``celery -A services.reporting.worker``): each task runs one use case of
``application/reports.py`` — compile a report, enqueue again the stuck ones, queue last month's
reports (beat, on the 1st at 02.00 WIB), count the counters again (beat, every 10 minutes)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from celery.schedules import crontab
from pymongo import AsyncMongoClient

from services.reporting.application import reports as reports_use
from services.reporting.settings import Settings
from shared import mongo
from shared.celery_app import make_celery

log = logging.getLogger(__name__)
settings = Settings()
app = make_celery(settings, queue="reporting")
app.conf.beat_schedule = {
    "monthly-reports": {"task": "reporting.monthly", "schedule": crontab(minute=0, hour=19, day_of_month="28-31")},
    "recount": {"task": "reporting.recount", "schedule": 600.0},
    "recover-stuck-reports": {"task": "reporting.recover", "schedule": settings.recover_every_seconds},
}


def _run(use_case, *args):
    """One use case on a fresh client: each task runs its own event loop (``asyncio.run``)."""
    async def go():
        client = AsyncMongoClient(settings.mongo_url, tz_aware=True)
        try:
            await mongo.detect(client[settings.mongo_db])
            return await use_case(reports_use.Ports.of(client[settings.mongo_db]), *args)
        finally:
            await client.close()
    return asyncio.run(go())


@app.task(name="reporting.compile")
def compile_report(report_id: str) -> dict:
    return _run(reports_use.compile_report, report_id)


@app.task(name="reporting.recover")
def recover() -> dict:
    ids = _run(reports_use.stuck, dt.datetime.now(dt.UTC), settings.recover_after_seconds)
    for rid in ids:
        compile_report.delay(rid)
    if ids:
        log.warning("re-enqueued %d stuck reports", len(ids))
    return {"recovered": len(ids)}


@app.task(name="reporting.monthly")
def monthly() -> dict:
    """Last month's report of every region with ormas (beat, the last day at 19.00 UTC = 02.00 WIB;
    cron has no "last day", so it runs from the 28th and acts only when tomorrow is the 1st)."""
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    if tomorrow.day != 1:
        return {"queued": 0}
    ids = _run(reports_use.queue_monthly, tomorrow)
    for rid in ids:
        compile_report.delay(rid)
    return {"queued": len(ids)}


@app.task(name="reporting.recount")
def recount() -> dict:
    """Counts the ormas counters again from the rows: whatever a crash between a row and its
    counters left short is right again within ten minutes (only the documents that differ are
    written)."""
    return {"corrected": _run(reports_use.recount)}
