"""Bulk import of ormas from an office's CSV or XLSX, and export in the same shape."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from services.registry.adapters import spreadsheets
from services.registry.api.ormas import Kind, LegalForm, Status, check_region_filter
from services.registry.application import import_jobs as jobs_use
from services.registry.application import imports as use
from services.registry.deps import Current, ImportJobStore, OrmasPorts, OrmasStore, Search, Writer
from services.registry.domain import importing
from shared import masking
from shared.web import Unprocessable, content_disposition

router = APIRouter(tags=["import and export"])
MAX_BYTES = 20 * 1024 * 1024


class RowProblem(BaseModel):
    row: int
    field: str
    message: str


class ImportReport(BaseModel):
    rows: int
    created: int
    already_recorded: int
    invalid: int
    dry_run: bool
    columns: dict[str, str]
    ignored_columns: list[str]
    errors: list[RowProblem]
    created_ids: list[str]



@router.post("/ormas/imports", response_model=ImportReport)
async def import_ormas(principal: Writer, ports: OrmasPorts,
                       file: UploadFile = File(description="CSV or XLSX, first row the headers"),
                       mapping: str | None = Form(default=None, description='JSON {"header": "field"}'),
                       region: str | None = Form(default=None, description="for rows without a region column"),
                       dry_run: bool = Query(default=False)) -> ImportReport:
    """Validates every row and records the valid ones (each with its ``created`` event); invalid
    rows are reported and nothing of them is written. Importing the same rows again records nothing
    twice: an ormas already in the book is reported as already recorded."""
    done = await use.import_book(ports, principal, await _read(file), filename=file.filename,
                                 content_type=file.content_type, mapping=_custom_mapping(mapping), region=region,
                                 dry_run=dry_run)
    plan = done.plan
    return ImportReport(
        rows=done.rows, created=len(done.created), already_recorded=len(done.already_recorded),
        invalid=len(plan.errors), dry_run=dry_run, columns=plan.columns, ignored_columns=plan.ignored_columns,
        errors=[RowProblem(row=e.row, field=e.field, message=e.message) for e in plan.errors],
        created_ids=done.created[:1000])


class ImportJobOut(BaseModel):
    id: str
    status: Literal["queued", "planning", "planned", "confirmed", "recording", "done", "failed"]
    progress: int
    filename: str | None
    error: str | None = None
    report: dict[str, Any] | None = None
    result: dict[str, int] | None = None
    created_at: dt.datetime
    by: str


def _job_out(job: dict[str, Any]) -> ImportJobOut:
    return ImportJobOut(id=job["_id"], **{k: job.get(k) for k in ImportJobOut.model_fields if k != "id"})


def _custom_mapping(mapping: str | None) -> dict[str, str] | None:
    if not mapping:
        return None
    try:
        custom = json.loads(mapping)
        if not isinstance(custom, dict) or not all(isinstance(v, str) for v in custom.values()):
            raise ValueError("must be an object of header → field")
    except ValueError as e:
        raise Unprocessable(f"mapping: {e}", errors=[{"field": "mapping", "message": str(e)}]) from None
    return custom


async def _read(file: UploadFile) -> bytes:
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise use.file_problem(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data


@router.post("/ormas/imports/jobs", status_code=202, response_model=ImportJobOut)
async def submit_import(principal: Writer, jobs: ImportJobStore,
                        file: UploadFile = File(description="CSV or XLSX, first row the headers"),
                        mapping: str | None = Form(default=None, description='JSON {"header": "field"}'),
                        region: str | None = Form(default=None, description="for rows without a region column")) -> ImportJobOut:
    """The import as a job (the web application's wizard): answered at once; a worker reads and
    checks every row and leaves the report (``planned``); ``POST …/confirm`` records the good rows
    with progress (``done``)."""
    job = await jobs_use.submit(jobs, principal, await _read(file), filename=file.filename,
                                content_type=file.content_type, mapping=_custom_mapping(mapping), region=region)
    await asyncio.to_thread(_enqueue, "registry.import_plan", job["_id"])
    return _job_out(job)


@router.get("/ormas/imports/jobs/{job_id}", response_model=ImportJobOut)
async def get_import(job_id: str, principal: Current, jobs: ImportJobStore) -> ImportJobOut:
    return _job_out(await jobs_use.visible(jobs, principal, job_id))


@router.post("/ormas/imports/jobs/{job_id}/confirm", status_code=202, response_model=ImportJobOut)
async def confirm_import(job_id: str, principal: Writer, jobs: ImportJobStore) -> ImportJobOut:
    """Records the planned import's good rows; 409 unless it is planned."""
    job = await jobs_use.confirm(jobs, principal, job_id)
    await asyncio.to_thread(_enqueue, "registry.import_record", job["_id"])
    return _job_out(job)


def _enqueue(task: str, job_id: str) -> None:
    from services.registry.worker import app

    app.send_task(task, args=[job_id])


@router.get("/ormas/export", response_class=Response,
            responses={200: {"content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument."
                                                                    "spreadsheetml.sheet": {}}}})
async def export_ormas(principal: Current, ormas: OrmasStore, search: Search,
                       format: Literal["csv", "xlsx"] = "csv", region: str | None = Query(default=None, max_length=13),
                       kind: Kind | None = None, legal_form: LegalForm | None = None,
                       status: list[Status] | None = Query(default=None),
                       skt_valid_on: dt.date | None = None) -> Response:
    """The office's ormas in the import's own columns (a file exported here imports again)."""
    check_region_filter(principal, region)
    # the search index chooses (the same filters as GET /ormas), the database supplies the records
    rows, _ = search.search(
        scope=principal.region, region=region, kind=kind, legal_form=legal_form, status=status,
        skt_valid_on=skt_valid_on.isoformat() if skt_valid_on else None, sort="name", limit=importing.MAX_ROWS)
    docs = await ormas.by_ids([r.id for r in rows])
    fields = list(importing.EXPORT_HEADERS)
    rows = []
    for d in docs:  # contacts as the role may see them (shared.masking)
        row = importing.export_row(masking.contacts_for(principal.role, d))
        rows.append([row[f] for f in fields])
    header = [importing.EXPORT_HEADERS[f] for f in fields]
    stamp = dt.date.today().isoformat()
    name = f"ormas-{principal.region or 'nasional'}-{stamp}.{format}"
    if format == "xlsx":
        body = spreadsheets.write_xlsx(header, rows)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = spreadsheets.write_csv(header, rows)
        media = "text/csv; charset=utf-8"
    return Response(body, media_type=media, headers={"Content-Disposition": content_disposition(name)})
