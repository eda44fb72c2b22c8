"""An office's spreadsheet imported as a job, off the API process: the upload is stored and
answered at once; a Celery task reads and checks every row (the dry run) and leaves its report;
the office reads it row by row and confirms; a second task records the good rows with progress and
names them to the API's relay. Either task, redelivered after its worker was killed, does its work
again: the plan is a pure function of the file, and recording inserts nothing twice.

Status: queued → planning → planned → confirmed → recording → done; failed (with the reason) when
the file cannot be read."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from services.registry.adapters.import_jobs import ImportJobs
from services.registry.adapters.repository import OrmasRepository
from services.registry.application.imports import Planned, check_request, plan_book, record
from shared import errors
from shared.auth import Principal

log = logging.getLogger(__name__)
MAX_REFUSED = 5000  # refused rows kept with their cells in the report (the count is always whole)


async def submit(jobs: ImportJobs, principal: Principal, data: bytes, *, filename: str | None,
                 content_type: str | None, mapping: Mapping[str, str] | None, region: str | None) -> dict[str, Any]:
    check_request(principal, data, mapping, region)
    now = dt.datetime.now(dt.UTC)
    job = {"_id": uuid.uuid4().hex, "by": principal.subject, "role": principal.role, "office": principal.region,
           "filename": filename, "content_type": content_type, "mapping": dict(mapping) if mapping else None,
           "region": region, "size": len(data), "status": "queued", "progress": 0, "report": None, "result": None,
           "error": None, "created_at": now, "updated_at": now}
    await jobs.create(job, data)
    return job


async def visible(jobs: ImportJobs, principal: Principal, job_id: str) -> dict[str, Any]:
    job = await jobs.get(job_id)
    if job is None or not principal.can_see(job["office"]):
        raise errors.NotFound("no such import")
    return job


async def confirm(jobs: ImportJobs, principal: Principal, job_id: str) -> dict[str, Any]:
    """The office confirms a planned import: its rows are recorded next."""
    job = await visible(jobs, principal, job_id)
    if not principal.can_write(job["office"]):
        raise errors.NotFound("no such import")
    moved = await jobs.move(job_id, ["planned"], "confirmed", confirmed_by=principal.subject, progress=0)
    if moved is None:
        raise errors.TransitionNotAllowed(f"the import is {job['status']}, not planned", current_status=job["status"])
    return moved


def _principal(job: Mapping[str, Any]) -> Principal:
    return Principal(subject=job["by"], role=job["role"], region=job["office"])


async def _plan(jobs: ImportJobs, ormas: OrmasRepository, job: dict[str, Any]) -> Planned:
    return await plan_book(_DatabaseBook(ormas), _principal(job), await jobs.data(job), filename=job["filename"],
                           content_type=job["content_type"], mapping=job["mapping"], region=job["region"])


class _DatabaseBook:
    def __init__(self, ormas: OrmasRepository):
        self.ormas = ormas

    async def same_region(self, region: str):
        return await self.ormas.book_rows(region)


def report(planned: Planned) -> dict[str, Any]:
    """What the office reads before confirming: counts, the columns understood, and each refused row
    with its cells and problems."""
    plan = planned.plan
    by_row: dict[int, list[dict[str, str]]] = {}
    for e in plan.errors:
        by_row.setdefault(e.row, []).append({"field": e.field, "message": e.message})
    header = [str(c) if c is not None else "" for c in (planned.rows[0] if planned.rows else [])]
    refused = [{"row": n, "cells": ["" if c is None else str(c) for c in planned.rows[n - 1]] if n - 1 < len(planned.rows) else [],
                "problems": problems} for n, problems in sorted(by_row.items())[:MAX_REFUSED]]
    return {"rows": planned.total, "to_create": len(plan.docs), "already_recorded": len(planned.existing),
            "refused": len(by_row),  # headers may hold "." (No. HP): pairs, not a document's keys
            "columns": [{"header": h, "field": f} for h, f in plan.columns.items()],
            "ignored_columns": plan.ignored_columns,
            "header": header, "refused_rows": refused}


async def plan_job(jobs: ImportJobs, ormas: OrmasRepository, job_id: str) -> str:
    job = await jobs.move(job_id, ["queued", "planning"], "planning")
    if job is None:
        return "taken"
    try:
        planned = await _plan(jobs, ormas, job)
    except errors.Invalid as e:  # not a readable spreadsheet: the office is told why
        await jobs.move(job_id, ["planning"], "failed", error=e.detail)
        return "failed"
    except Exception as e:  # noqa: BLE001 — the job says why instead of staying "planning"
        log.exception("import %s could not be planned", job_id)
        await jobs.move(job_id, ["planning"], "failed", error=f"{type(e).__name__}: {e}"[:500])
        return "failed"
    await jobs.move(job_id, ["planning"], "planned", report=report(planned), progress=100, error=None)
    return "planned"


async def record_job(jobs: ImportJobs, ormas: OrmasRepository, job_id: str) -> str:
    job = await jobs.move(job_id, ["confirmed", "recording"], "recording")
    if job is None:
        return "taken"
    try:
        return await _record(jobs, ormas, job)
    except Exception as e:  # noqa: BLE001 — back to planned: confirming again records the rest, nothing twice
        log.exception("import %s stopped while recording", job_id)
        await jobs.move(job_id, ["recording"], "planned", error=f"{type(e).__name__}: {e}"[:500])
        return "planned"


async def _record(jobs: ImportJobs, ormas: OrmasRepository, job: dict[str, Any]) -> str:
    job_id = job["_id"]
    planned = await _plan(jobs, ormas, job)
    written: list[str] = []

    async def progress(done: int, total: int) -> None:
        await ormas.hint(written)  # again after the write: the relay publishes the chunk's events now
        written.clear()
        await jobs.update(job_id, progress=int(100 * done / max(total, 1)))

    created, already = await record(ormas, planned.plan, on_written=lambda doc: written.append(doc["_id"]),
                                    progress=progress, before=ormas.hint)
    await jobs.move(job_id, ["recording"], "done", progress=100, finished_at=dt.datetime.now(dt.UTC),
                    result={"created": len(created), "already_recorded": len(planned.existing) + len(already),
                            "refused": job["report"]["refused"] if job.get("report") else len(planned.plan.errors)})
    await jobs.drop_file(job)
    return "done"
