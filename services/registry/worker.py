"""The registry's Celery app: the daily SKT-expiry job (``celery -A services.registry.worker worker``;
beat schedules it at 01:00 WIB). Its events wait in the outbox for the API's relay."""

from __future__ import annotations

import asyncio
import datetime as dt

from celery.schedules import crontab

from services.registry.adapters.repository import OrmasRepository
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
