"""The import of an office's spreadsheet: read it off the event loop, plan every row against the
rules of the API (``domain/importing.py``), hold it against the book (the same name already
recorded, another ormas's acronym), and record the good rows, each with its ``created`` event.
Importing the same rows again records nothing twice."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Mapping

from services.registry.adapters import spreadsheets
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


async def import_book(ports: Ports, principal: Principal, data: bytes, *, filename: str | None,
                      content_type: str | None, mapping: Mapping[str, str] | None, region: str | None,
                      dry_run: bool) -> Imported:
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

    def read_and_plan() -> importing.Plan:
        kind = spreadsheets.kind_of(filename, content_type, data[:8192])
        rows = spreadsheets.read_rows(data, kind)
        return importing.plan(rows, office=principal.region, actor=principal.subject, now=dt.datetime.now(dt.UTC),
                              custom_mapping=mapping, default_region=region, can_write=principal.can_write,
                              may_register=principal.role in REGISTERING_ROLES)

    try:  # parsing 50,000 rows takes seconds of CPU: off the event loop
        plan = await asyncio.to_thread(read_and_plan)
    except importing.BadFile as e:
        raise file_problem(str(e)) from None
    total = len(plan.docs) + len(plan.errors)
    existing: list[str] = []
    # the book's own names and acronyms (from the search index): the same name recorded by hand is
    # "already recorded"; another ormas's acronym in the same region refuses the row
    books: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    accepted: list[tuple[int, dict]] = []
    refused = list(plan.errors)
    for row, doc in plan.docs:
        if doc["region"] not in books:
            same = ports.search.same_region(doc["region"])
            books[doc["region"]] = ({r.name_key: r.id for r in same}, {r.acronym_key: r.id for r in same if r.acronym_key})
        names, acronyms = books[doc["region"]]
        same_name = names.get(doc["name_key"])
        if same_name is not None and same_name != doc["_id"]:
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
    created: list[str] = []
    if not dry_run and plan.docs:
        docs = []
        for _, doc in plan.docs:
            doc["_outbox"] = [event_entry("created", doc)]
            docs.append(doc)
        created, already = await ports.ormas.insert_new(docs)
        existing += already
        made = set(created)
        for doc in docs:
            if doc["_id"] in made:
                written(ports, doc, doc["_outbox"])
    return Imported(rows=total, created=created, already_recorded=existing, plan=plan)
