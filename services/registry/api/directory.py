"""The public directory of registered ormas (no token): what offices publish today as PDF lists —
name, acronym, kind, bidang, region, legal form, and the status and validity of the registration.
No personal data: no contacts, officers, addresses or documents. Answered from the search index."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.registry.deps import Search
from services.registry.domain.search import BadCursor
from shared import regions
from shared.contracts.registry_schemas import KINDS
from shared.web import Unprocessable

router = APIRouter(tags=["public directory"])
PUBLIC_STATUSES = ("registered", "expiring", "legal_entity")  # registered with the office, or a legal entity


class DirectoryEntry(BaseModel):
    id: str
    name: str
    acronym: str | None
    kind: str
    legal_form: str
    bidang: list[str]
    region: str
    region_name: str | None
    status: str = Field(description="registered, expiring (its registration ends within 90 days) or legal_entity")
    registration_valid_until: dt.date | None = Field(description="the SKT's end; none for a legal entity")


class DirectoryPage(BaseModel):
    items: list[DirectoryEntry]
    next_cursor: str | None


@router.get("/directory", response_model=DirectoryPage)
async def directory(
    search: Search,
    q: str | None = Query(default=None, max_length=100, description="words of the name or acronym"),
    region: str | None = Query(default=None, max_length=13, description="this region and everything below it"),
    kind: str | None = Query(default=None, max_length=20, description=" | ".join(KINDS)),
    bidang: str | None = Query(default=None, max_length=80),
    cursor: str | None = Query(default=None, max_length=500),
    limit: int = Query(default=50, ge=1, le=200),
) -> DirectoryPage:
    """Registered ormas, nationwide or within a region, by name."""
    if region is not None and not regions.is_valid(region):
        raise Unprocessable("no such region", errors=[{"field": "region", "message": "not a region code"}])
    if kind is not None and kind not in KINDS:
        raise Unprocessable("no such kind", errors=[{"field": "kind", "message": f"one of {', '.join(KINDS)}"}])
    try:
        rows, next_cursor = search.search(scope="", region=region, q=q, kind=kind,
                                          bidang=bidang.strip().lower() if bidang else None, status=PUBLIC_STATUSES,
                                          sort="name", cursor=cursor, limit=limit)
    except BadCursor as e:
        raise Unprocessable(str(e), errors=[{"field": "cursor", "message": "invalid"}]) from None
    return DirectoryPage(items=[DirectoryEntry(
        id=r.id, name=r.name, acronym=r.acronym, kind=r.kind, legal_form=r.legal_form, bidang=list(r.bidang),
        region=r.region, region_name=regions.get(r.region).name if regions.get(r.region) else None, status=r.status,
        registration_valid_until=r.skt_valid_until if r.status != "legal_entity" else None) for r in rows],
        next_cursor=next_cursor)
