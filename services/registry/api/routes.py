"""Registry HTTP API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.registry.adapters.repository import DuplicateOrmas
from services.registry.domain import ormas as domain
from shared import failpoints, logs, outbox
from shared.auth import Principal
from shared.contracts import make_event
from shared.web import Conflict, NotFound, Unprocessable, authenticated, roles

router = APIRouter(tags=["ormas"])
current = authenticated(lambda request: request.app.state.runtime.verifier)
writer = roles(current, ("operator", "admin"))


class OrmasIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=300, examples=["Pemuda Pancasila"])
    acronym: str | None = Field(default=None, max_length=50)
    kind: Literal[domain.KINDS] = Field(examples=["ormas"])  # type: ignore[valid-type]
    region: str = Field(min_length=2, max_length=13, examples=["35.75"], description="Kemendagri region code")
    email: str | None = Field(default=None, max_length=254)


class OrmasOut(BaseModel):
    id: str
    version: int
    name: str
    acronym: str | None
    kind: str
    region: str
    status: str
    email: str | None
    created_at: dt.datetime


def _out(doc: dict) -> OrmasOut:
    return OrmasOut(id=doc["_id"], **{k: doc.get(k) for k in OrmasOut.model_fields if k != "id"})


@router.post("/ormas", status_code=201, response_model=OrmasOut)
async def create_ormas(body: OrmasIn, request: Request, response: Response,
                       principal: Principal = Depends(writer)) -> OrmasOut:
    state = request.app.state
    new = domain.NewOrmas(name=body.name, kind=body.kind, region=body.region, acronym=body.acronym, email=body.email)
    try:
        new.validate()
    except domain.InvalidOrmas as e:
        raise Unprocessable(str(e), errors=[{"field": e.field, "message": e.message}]) from None
    if not principal.can_write(body.region):
        raise NotFound(f"region {body.region} is outside your office's scope")
    ormas_id = str(uuid.uuid4())
    doc, data = domain.create(new, ormas_id=ormas_id, actor=principal.subject, now=dt.datetime.now(dt.UTC))
    event = make_event("registry.ormas.created", source=domain.SOURCE, subject=f"ormas/{ormas_id}", data=data,
                       region=doc["region"], sequence=doc["version"], traceparent=logs.current_traceparent())
    try:
        await state.ormas.insert(doc, [outbox.entry(domain.TOPIC, ormas_id, event)])
    except DuplicateOrmas as e:
        raise Conflict(str(e), existing_id=e.existing_id) from None
    failpoints.hit("registry.after_write")
    state.relay.wake("ormas", ormas_id)
    response.headers["Location"] = f"/ormas/{ormas_id}"
    response.headers["ETag"] = f'"{doc["version"]}"'
    return _out(doc)


@router.get("/ormas/{ormas_id}", response_model=OrmasOut)
async def get_ormas(ormas_id: str, request: Request, response: Response,
                    principal: Principal = Depends(current)) -> OrmasOut:
    doc = await request.app.state.ormas.get(ormas_id)
    if doc is None or not principal.can_see(doc["region"]):
        raise NotFound("no such ormas")  # another region's record is indistinguishable from none
    response.headers["ETag"] = f'"{doc["version"]}"'
    return _out(doc)
