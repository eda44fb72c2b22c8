"""The import of an office's spreadsheet: read it off the event loop, plan every row against the
rules of the API (``domain/importing.py``), hold it against the book (the same name already
recorded, another ormas's acronym), and record the good rows, each with its ``created`` event.
Importing the same rows again records nothing twice."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from services.registry.adapters import spreadsheets
from services.registry.adapters.repository import OrmasRepository
from services.registry.application.ormas import Ports, written
from services.registry.changes import event_entry
from services.registry.domain import importing
from shared import errors, regions
from shared.auth import Principal

REGISTERING_ROLES = ("verifier", "head", "admin")  # as the API's register step


@dataclasses.dataclass(frozen=True)
class Imported:
    rows: int
    created: list[str]
    already_recorded: list[str]
    plan: importing.Plan


def file_problem(message: str) -> errors.Invalid:
    return errors.Invalid(message, errors=[{"field": "file", "message": message}])


class Book(Protocol):
    """The names and acronyms already in the book, per region: the API's search index, or the
    database itself in the import job (``OrmasRepository.book_rows``)."""

    def same_region(self, region: str) -> Sequence[Any] | Awaitable[Sequence[Any]]: ...


def check_request(principal: Principal, data: bytes, mapping: Mapping[str, str] | None, region: str | None) -> None:
    """What can be refused before a row is read."""
    if not data:
        raise file_problem("the file is empty")
    if mapping is not None:
        unknown = set(mapping.values()) - set(importing.HEADERS.values())
        if unknown:
            raise errors.Invalid(f"mapping: unknown fields {sorted(unknown)}",
                                 errors=[{"field": "mapping", "message": f"unknown fields {sorted(unknown)}"}])
    if region is not None and not (regions.is_valid(region) and principal.can_write(region)):
        raise errors.Invalid(f"region {region!r} is not a region this office writes",
                             errors=[{"field": "region", "message": "unknown or outside the office"}])


@dataclasses.dataclass
class Planned:
    rows: list[list[Any]]  # the file as read, its header first
    total: int
    plan: importing.Plan
    existing: list[str]  # ids of ormas already recorded under a row's name


async def plan_book(book: Book, principal: Principal, data: bytes, *, filename: str | None,
                    content_type: str | None, mapping: Mapping[str, str] | None, region: str | None) -> Planned:
    """Every row read and checked: what to insert, what is refused, what is recorded already."""
    check_request(principal, data, mapping, region)

    def read_and_plan() -> tuple[list[list[Any]], importing.Plan]:
        kind = spreadsheets.kind_of(filename, content_type, data[:8192])
        rows = spreadsheets.read_rows(data, kind)
        return rows, importing.plan(rows, office=principal.region, actor=principal.subject, now=dt.datetime.now(dt.UTC),
                                    custom_mapping=mapping, default_region=region, can_write=principal.can_write,
                                    may_register=principal.role in REGISTERING_ROLES)

    try:  # parsing 50,000 rows takes seconds of CPU: off the event loop
        rows, plan = await asyncio.to_thread(read_and_plan)
    except importing.BadFile as e:
        raise file_problem(str(e)) from None
    total = len(plan.docs) + len(plan.errors)
    existing: list[str] = []
    # the book's own names and acronyms: the same name recorded by hand is "already recorded";
    # another ormas's acronym in the same region refuses the row
    books: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    accepted: list[tuple[int, dict]] = []
    refused = list(plan.errors)
    for row, doc in plan.docs:
        if doc["region"] not in books:
            same = book.same_region(doc["region"])
            if inspect.isawaitable(same):  # the job's book reads the database
                same = await same
            books[doc["region"]] = ({r.name_key: r.id for r in same}, {r.acronym_key: r.id for r in same if r.acronym_key})
        names, acronyms = books[doc["region"]]
        same_name = names.get(doc["name_key"])
        if same_name is not None:  # recorded by hand, or by an earlier import of this row
            existing.append(same_name)
            continue
        owner = acronyms.get(doc["acronym_key"]) if doc["acronym_key"] else None
        if owner is not None and owner != doc["_id"]:
            refused.append(importing.RowError(row=row, field="acronym",
                                              message=f"{doc['acronym']} is the acronym of another ormas ({owner})"))
            continue
        accepted.append((row, doc))
    plan.errors = sorted(refused, key=lambda e: e.row)
    plan.docs = accepted
    return Planned(rows=rows, total=total, plan=plan, existing=existing)


async def record(ormas: OrmasRepository, plan: importing.Plan, *, on_written: Callable[[dict[str, Any]], None],
                 progress: Callable[[int, int], Awaitable[None]] | None = None,
                 before: Callable[[list[str]], Awaitable[None]] | None = None,
                 chunk: int = 500) -> tuple[list[str], list[str]]:
    """The plan's documents inserted, each with its ``created`` event, ``chunk`` at a time;
    (created ids, ids already there). A repeat inserts nothing twice. ``before``: told each
    chunk's ids before it is written (a worker's hint to the API's relay)."""
    docs = []
    for _, doc in plan.docs:
        doc["_outbox"] = [event_entry("created", doc)]
        docs.append(doc)
    created: list[str] = []
    already: list[str] = []
    for i in range(0, len(docs), chunk):
        part = docs[i:i + chunk]
        if before is not None:
            await before([d["_id"] for d in part])
        made, there = await ormas.insert_new(part)
        created += made
        already += there
        done = set(made)
        for doc in part:
            if doc["_id"] in done:
                on_written(doc)
        if progress is not None:
            await progress(min(i + chunk, len(docs)), len(docs))
    return created, already


async def import_book(ports: Ports, principal: Principal, data: bytes, *, filename: str | None,
                      content_type: str | None, mapping: Mapping[str, str] | None, region: str | None,
                      dry_run: bool) -> Imported:
    planned = await plan_book(ports.search, principal, data, filename=filename, content_type=content_type,
                              mapping=mapping, region=region)
    created: list[str] = []
    existing = planned.existing
    if not dry_run and planned.plan.docs:
        created, already = await record(ports.ormas, planned.plan,
                                        on_written=lambda doc: written(ports, doc, doc["_outbox"]))
        existing += already
    return Imported(rows=planned.total, created=created, already_recorded=existing, plan=planned.plan)
