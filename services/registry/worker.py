"""The registry's Celery app (``celery -A services.registry.worker worker``): the daily SKT-expiry
job (beat, 01:00 WIB; its events wait in the outbox for the API's sweep) and the two steps of an
import job (``application/import_jobs.py``; what they record is named to the API's relay)."""

from __future__ import annotations

import asyncio
import datetime as dt

from celery.schedules import crontab

from services.registry.adapters.import_jobs import ImportJobs
from services.registry.adapters.repository import OrmasRepository
from services.registry.application import import_jobs
from services.registry.jobs import skt_expiry_sweep
from services.registry.settings import Settings
from shared import mongo
from shared.celery_app import make_celery

settings = Settings()
app = make_celery(settings, queue="registry")
app.conf.beat_schedule = {
    "skt-expiry-daily": {"task": "registry.skt_expiry_sweep", "schedule": crontab(hour=18, minute=0)},  # 01:00 WIB
}


async def _sweep(day: dt.date) -> dict:
    client = mongo.create_client(settings.mongo_url, app_name="registry-worker")
    try:
        db = client[settings.mongo_db]  # the API creates the indexes at its start
        await mongo.detect(db)
        return await skt_expiry_sweep(OrmasRepository(db, max_pending=settings.outbox_max_pending), day)
    finally:
        await client.close()


@app.task(name="registry.skt_expiry_sweep", bind=True, max_retries=5, autoretry_for=(ConnectionError, OSError),
          retry_backoff=30, retry_jitter=True)
def sweep_task(self, day: str | None = None) -> dict:
    """Runs the sweep for ``day`` (ISO date; today in WIB by default)."""
    wib = dt.timezone(dt.timedelta(hours=7))
    target = dt.date.fromisoformat(day) if day else dt.datetime.now(wib).date()
    return asyncio.run(_sweep(target))


async def _import(step: str, job_id: str) -> str:
    client = mongo.create_client(settings.mongo_url, app_name="registry-worker")
    try:
        db = client[settings.mongo_db]
        await mongo.detect(db)
        run = {"plan": import_jobs.plan_job, "record": import_jobs.record_job}[step]
        return await run(ImportJobs(db), OrmasRepository(db, max_pending=settings.outbox_max_pending), job_id)
    finally:
        await client.close()


@app.task(name="registry.import_plan")
def import_plan(job_id: str) -> str:
    """Reads and checks every row of an uploaded import (application/import_jobs.py)."""
    return asyncio.run(_import("plan", job_id))


@app.task(name="registry.import_record")
def import_record(job_id: str) -> str:
    """Records a confirmed import's good rows, with progress."""
    return asyncio.run(_import("record", job_id))
