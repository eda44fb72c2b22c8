"""Reporting's Celery app (``celery -A services.reporting.worker``): compiling the periodic reports.

``reporting.compile`` claims a queued report (or one whose worker died: its lease ran out), computes
the figures from the projections (and, for a province or a regency, the list of its kegiatan),
writes the PDF, XLSX and CSV with progress, and stores them; any error leaves the report ``failed``
with the reason, to be retried from the API. Two requests for the same report name the same
record, so it is never compiled twice at once. Beat queues last month's report of every region
with ormas on the 1st at 02.00 WIB."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from celery.schedules import crontab
from pymongo import AsyncMongoClient, ReturnDocument

from services.reporting.adapters.reports import Reports
from services.reporting.adapters.store import Projections
from services.reporting.domain import reports
from services.reporting.figures import kegiatan_figures, kegiatan_list
from services.reporting.settings import Settings
from shared.celery_app import make_celery

log = logging.getLogger(__name__)
settings = Settings()
app = make_celery(settings, queue="reporting")
app.conf.beat_schedule = {
    "monthly-reports": {"task": "reporting.monthly", "schedule": crontab(minute=0, hour=19, day_of_month="28-31")},
    "recount": {"task": "reporting.recount", "schedule": 600.0},
    "recover-stuck-reports": {"task": "reporting.recover", "schedule": settings.recover_every_seconds},
}
LEASE = dt.timedelta(minutes=5)  # renewed at every progress step: a live compile keeps its report


async def _compile(report_id: str) -> dict:
    client = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    db = client[settings.mongo_db]
    try:
        now = dt.datetime.now(dt.UTC)
        doc = await db["reports"].find_one_and_update(
            {"_id": report_id, "$or": [{"status": "queued"}, {"status": "running", "lease_until": {"$lt": now}}]},
            {"$set": {"status": "running", "progress": 0, "started_at": now, "lease_until": now + LEASE, "error": None},
             "$inc": {"attempts": 1}},
            return_document=ReturnDocument.AFTER)
        if doc is None:
            return {"report": report_id, "status": "taken"}

        async def progress(p: int) -> None:
            await db["reports"].update_one({"_id": report_id}, {"$set": {
                "progress": p, "lease_until": dt.datetime.now(dt.UTC) + LEASE}})

        try:
            figures = {"ormas": await Projections(db).ormas_figures(doc["region"])}
            await progress(25)
            figures["kegiatan"] = await kegiatan_figures(db, doc["region"], doc["first_month"], doc["last_month"])
            await progress(40)
            if doc["region"]:  # a province's or a regency's report lists its kegiatan; the nation's goes by province
                figures["kegiatan_list"] = await kegiatan_list(db, doc["region"], doc["first_month"], doc["last_month"])
            await progress(50)
            files = {}
            for i, fmt in enumerate(doc["formats"]):
                data = {"pdf": lambda: reports.to_pdf(figures, doc["title"], now),
                        "xlsx": lambda: reports.to_xlsx(figures, doc["title"]),
                        "csv": lambda: reports.to_csv(figures)}[fmt]()
                await db["report_files"].replace_one({"_id": f"{report_id}:{fmt}"},
                                                     {"_id": f"{report_id}:{fmt}", "data": data}, upsert=True)
                files[fmt] = {"size": len(data), "media_type": reports.MEDIA[fmt]}
                await progress(50 + 50 * (i + 1) // len(doc["formats"]))
            await db["reports"].update_one({"_id": report_id}, {"$set": {
                "status": "done", "progress": 100, "files": files, "finished_at": dt.datetime.now(dt.UTC),
                "summary": {"ormas": figures["ormas"]["total"], "kegiatan": figures["kegiatan"]["kegiatan"]["total"]}}})
            return {"report": report_id, "status": "done"}
        except Exception as e:  # any error: the report says why, and can be retried
            log.exception("report %s failed", report_id)
            await db["reports"].update_one({"_id": report_id}, {"$set": {"status": "failed", "error": repr(e)[:500]}})
            return {"report": report_id, "status": "failed"}
    finally:
        await client.close()


@app.task(name="reporting.compile")
def compile_report(report_id: str) -> dict:
    return asyncio.run(_compile(report_id))


async def _stuck(now: dt.datetime) -> list[str]:
    """Reports nobody is compiling (``Reports.stuck``): a killed worker's, whose redelivered task
    answered "taken" while the lease held, and those whose task was lost."""
    client = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    db = client[settings.mongo_db]
    quiet = now - dt.timedelta(seconds=settings.recover_after_seconds)
    try:
        return await Reports(db).stuck(now, quiet)
    finally:
        await client.close()


@app.task(name="reporting.recover")
def recover() -> dict:
    ids = asyncio.run(_stuck(dt.datetime.now(dt.UTC)))
    for rid in ids:
        compile_report.delay(rid)
    if ids:
        log.warning("re-enqueued %d stuck reports", len(ids))
    return {"recovered": len(ids)}


async def _monthly(today: dt.date) -> list[str]:
    client = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    db = client[settings.mongo_db]
    try:
        last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
        regions_with_data = {""} | {d async for d in await db["ormas"].distinct("province")} \
            | {d async for d in await db["ormas"].distinct("regency") if d}
        queued = []
        for region in sorted(regions_with_data):
            rid = await Reports(db).queue(region, last_month, list(reports.FORMATS), by="beat", today=today)
            if rid:
                queued.append(rid)
        return queued
    finally:
        await client.close()


@app.task(name="reporting.monthly")
def monthly() -> dict:
    """Last month's report of every region with ormas (beat, the last day at 19.00 UTC = 02.00 WIB;
    cron has no "last day", so it runs from the 28th and acts only when tomorrow is the 1st)."""
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    if tomorrow.day != 1:
        return {"queued": 0}
    ids = asyncio.run(_monthly(tomorrow))
    for rid in ids:
        compile_report.delay(rid)
    return {"queued": len(ids)}


async def _recount() -> int:
    client = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    try:
        projections = Projections(client[settings.mongo_db])
        return await projections.recount_counters() + await projections.recount_kegiatan_counters()
    finally:
        await client.close()


@app.task(name="reporting.recount")
def recount() -> dict:
    """Counts the ormas counters again from the rows: whatever a crash between a row and its
    counters left short is right again within ten minutes."""
    return {"counters": asyncio.run(_recount())}
