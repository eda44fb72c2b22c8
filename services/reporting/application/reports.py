"""Use cases of compiled reports, called by the Celery tasks (``worker.py``).

A report is named by its region and period, so two requests join one record and it is never
compiled twice at once: :func:`compile_report` claims it under a lease (``adapters/reports.py``),
computes the figures from the projections (and, for a province or a regency, the list of its
kegiatan of the period; the nation's report goes by province), writes each format with progress,
and stores the files. Any error leaves the report ``failed`` with the reason, to be retried from
the API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from pymongo.asynchronous.database import AsyncDatabase

from services.reporting.adapters.figures import kegiatan_figures, kegiatan_list
from services.reporting.adapters.reports import Reports
from services.reporting.adapters.store import Projections
from services.reporting.domain import earlywarning, reports

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Ports:
    reports: Reports
    projections: Projections
    db: AsyncDatabase  # what adapters/figures.py reads

    @classmethod
    def of(cls, db: AsyncDatabase) -> "Ports":
        return cls(reports=Reports(db), projections=Projections(db), db=db)


async def compile_report(ports: Ports, report_id: str) -> dict:
    now = dt.datetime.now(dt.UTC)
    doc = await ports.reports.claim(report_id, now)
    if doc is None:
        return {"report": report_id, "status": "taken"}
    try:
        if doc["kind"] == "week":  # the weekly situation report of early warning (laporan situasi mingguan)
            rows = await ports.projections.report_rows(doc["region"])
            figures = {"earlywarning": earlywarning.figures(rows, doc["region"], week=doc["period"])}
            summary = {"laporan": figures["earlywarning"]["week"]["received"], "terbuka": figures["earlywarning"]["open"]}
        else:
            figures = {"ormas": await ports.projections.ormas_figures(doc["region"])}
            await ports.reports.progress(report_id, 25)
            figures["kegiatan"] = await kegiatan_figures(ports.db, doc["region"], doc["first_month"], doc["last_month"])
            await ports.reports.progress(report_id, 40)
            if doc["region"]:
                figures["kegiatan_list"] = await kegiatan_list(ports.db, doc["region"], doc["first_month"],
                                                               doc["last_month"])
            summary = {"ormas": figures["ormas"]["total"], "kegiatan": figures["kegiatan"]["kegiatan"]["total"]}
        await ports.reports.progress(report_id, 50)
        files = {}
        for i, fmt in enumerate(doc["formats"]):
            data = {"pdf": lambda: reports.to_pdf(figures, doc["title"], now),
                    "xlsx": lambda: reports.to_xlsx(figures, doc["title"]),
                    "csv": lambda: reports.to_csv(figures)}[fmt]()
            await ports.reports.store_file(report_id, fmt, data)
            files[fmt] = {"size": len(data), "media_type": reports.MEDIA[fmt]}
            await ports.reports.progress(report_id, 50 + 50 * (i + 1) // len(doc["formats"]))
        await ports.reports.finish(report_id, files, summary)
        return {"report": report_id, "status": "done"}
    except Exception as e:  # any error: the report says why, and can be retried
        log.exception("report %s failed", report_id)
        await ports.reports.fail(report_id, repr(e))
        return {"report": report_id, "status": "failed"}


async def stuck(ports: Ports, now: dt.datetime, quiet_seconds: float) -> list[str]:
    """Reports nobody is compiling: a killed worker's, whose redelivered task answered "taken"
    while the lease held, and those whose task was lost."""
    return await ports.reports.stuck(now, now - dt.timedelta(seconds=quiet_seconds))


async def queue_monthly(ports: Ports, today: dt.date) -> list[str]:
    """Last month's report of the nation and of every region with ormas, queued (None where it
    was already)."""
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    queued = []
    for region in sorted({""} | await ports.projections.regions_with_ormas()):
        rid = await ports.reports.queue(region, last_month, list(reports.FORMATS), by="beat", today=today)
        if rid:
            queued.append(rid)
    return queued


async def recount(ports: Ports) -> int:
    """Every counter counted again from the rows; how many counter documents it corrected."""
    return await ports.projections.recount_counters() + await ports.projections.recount_kegiatan_counters()
