"""Recommendation requests over HTTP: a department (role ``opd``) asks, the office answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.registry.application import recommendations as use
from services.registry.deps import OrmasStore, Writer
from services.registry.deps import RecommendationStore as Store
from shared.auth import Principal
from shared.text import Input
from shared.web import current_principal, roles

router = APIRouter(tags=["recommendations"])
Department = Annotated[Principal, Depends(roles(current_principal(opd=True), ("opd",)))]
Anyone = Annotated[Principal, Depends(current_principal(opd=True))]


class RequestIn(Input):
    multiline = frozenset({"subject"})
    department: str = Field(min_length=2, max_length=200, examples=["Dinas Pemuda dan Olahraga Kota Pasuruan"])
    subject: str = Field(min_length=5, max_length=2_000, description="the work the ormas would join")
    bidang: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(default_factory=list, max_length=10)
    needed_by: dt.date | None = None


class AnswerIn(Input):
    multiline = frozenset({"note"})
    ormas_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(min_length=1, max_length=50)
    note: str = Field(default="", max_length=5_000)


class RequestOut(BaseModel):
    id: str
    region: str
    by: str
    department: str
    subject: str
    bidang: list[str]
    needed_by: str | None
    status: Literal["open", "answered"]
    answer: dict[str, Any] | None
    created_at: dt.datetime


def _out(doc: dict[str, Any]) -> RequestOut:
    return RequestOut(id=doc["_id"], **{k: doc[k] for k in RequestOut.model_fields if k != "id"})


@router.post("/recommendation-requests", status_code=201, response_model=RequestOut)
async def ask(body: RequestIn, principal: Department, requests: Store) -> RequestOut:
    """A department asks its office which ormas to involve in its work."""
    return _out(await use.ask(requests, principal, body.model_dump()))


@router.get("/recommendation-requests", response_model=list[RequestOut])
async def list_requests(principal: Anyone, requests: Store,
                        status: Literal["open", "answered"] | None = Query(default=None)) -> list[RequestOut]:
    """A department's own requests; an office's, those to its region and below."""
    return [_out(d) for d in await use.listed(requests, principal, status)]


@router.post("/recommendation-requests/{request_id}/answer", response_model=RequestOut)
async def answer(request_id: str, body: AnswerIn, principal: Writer, requests: Store, ormas: OrmasStore) -> RequestOut:
    """The office answers with ormas of its book (their public contacts go with them) and a note."""
    return _out(await use.answer(requests, ormas, principal, request_id, body.ormas_ids, body.note))
