"""Bulk import of ormas from an office's CSV or XLSX, and export in the same shape."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from services.registry.adapters import spreadsheets
from services.registry.api.ormas import Kind, LegalForm, Status, check_region_filter
from services.registry.application import ormas as use
from services.registry.changes import event_entry as _event
from services.registry.deps import Current, OrmasStore, Relay, Search, Writer
from services.registry.domain import importing
from shared import masking, regions
from shared.web import Unprocessable, content_disposition

router = APIRouter(tags=["import and export"])
MAX_BYTES = 20 * 1024 * 1024
REGISTERING_ROLES = ("verifier", "head", "admin")  # as the API's register step


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


def _file_problem(message: str) -> Unprocessable:
    return Unprocessable(message, errors=[{"field": "file", "message": message}])


@router.post("/ormas/imports", response_model=ImportReport)
async def import_ormas(principal: Writer, ormas: OrmasStore, search: Search, relay: Relay,
                       file: UploadFile = File(description="CSV or XLSX, first row the headers"),
                       mapping: str | None = Form(default=None, description='JSON {"header": "field"}'),
                       region: str | None = Form(default=None, description="for rows without a region column"),
                       dry_run: bool = Query(default=False)) -> ImportReport:
    """Validates every row and records the valid ones (each with its ``created`` event); invalid
    rows are reported and nothing of them is written. Importing the same rows again records nothing
    twice: an ormas already in the book is reported as already recorded."""
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _file_problem(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if not data:
        raise _file_problem("the file is empty")
    custom = None
    if mapping:
        try:
            custom = json.loads(mapping)
            if not isinstance(custom, dict) or not all(isinstance(v, str) for v in custom.values()):
                raise ValueError("must be an object of header → field")
        except ValueError as e:
            raise Unprocessable(f"mapping: {e}", errors=[{"field": "mapping", "message": str(e)}]) from None
        unknown = set(custom.values()) - set(importing.HEADERS.values())
        if unknown:
            raise Unprocessable(f"mapping: unknown fields {sorted(unknown)}",
                                errors=[{"field": "mapping", "message": f"unknown fields {sorted(unknown)}"}])
    if region is not None and not (regions.is_valid(region) and principal.can_write(region)):
        raise Unprocessable(f"region {region!r} is not a region this office writes",
                            errors=[{"field": "region", "message": "unknown or outside the office"}])
    def read_and_plan() -> importing.Plan:
        kind = spreadsheets.kind_of(file.filename, file.content_type, data[:8192])
        rows = spreadsheets.read_rows(data, kind)
        return importing.plan(rows, office=principal.region, actor=principal.subject, now=dt.datetime.now(dt.UTC),
                              custom_mapping=custom, default_region=region, can_write=principal.can_write,
                              may_register=principal.role in REGISTERING_ROLES)

    try:  # parsing 50,000 rows takes seconds of CPU: off the event loop
        plan = await asyncio.to_thread(read_and_plan)
    except importing.BadFile as e:
        raise _file_problem(str(e)) from None
    total = len(plan.docs) + len(plan.errors)
    created: list[str] = []
    existing: list[str] = []
    # the book's own names and acronyms (from the search index): the same name recorded by hand is
    # "already recorded"; another ormas's acronym in the same region refuses the row
    books: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    accepted: list[tuple[int, dict]] = []
    errors = list(plan.errors)
    for row, doc in plan.docs:
        if doc["region"] not in books:
            rows_ = search.same_region(doc["region"])
            books[doc["region"]] = ({r.name_key: r.id for r in rows_},
                                    {r.acronym_key: r.id for r in rows_ if r.acronym_key})
        names, acronyms = books[doc["region"]]
        same_name = names.get(doc["name_key"])
        if same_name is not None and same_name != doc["_id"]:
            existing.append(same_name)
            continue
        owner = acronyms.get(doc["acronym_key"]) if doc["acronym_key"] else None
        if owner is not None and owner != doc["_id"]:
            errors.append(importing.RowError(row=row, field="acronym",
                                             message=f"{doc['acronym']} is the acronym of another ormas ({owner})"))
            continue
        accepted.append((row, doc))
    plan.errors = sorted(errors, key=lambda e: e.row)
    plan.docs = accepted
    if not dry_run and plan.docs:
        docs = []
        for _, doc in plan.docs:
            doc["_outbox"] = [_event("created", doc)]
            docs.append(doc)
        created, already = await ormas.insert_new(docs)
        existing += already
        made = set(created)
        for doc in docs:
            if doc["_id"] in made:
                use.written(use.Ports(ormas=ormas, search=search, relay=relay), doc, doc["_outbox"])
    return ImportReport(
        rows=total, created=len(created), already_recorded=len(existing),
        invalid=len(plan.errors), dry_run=dry_run, columns=plan.columns, ignored_columns=plan.ignored_columns,
        errors=[RowProblem(row=e.row, field=e.field, message=e.message) for e in plan.errors],
        created_ids=created[:1000])


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
