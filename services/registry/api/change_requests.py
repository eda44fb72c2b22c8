"""Change requests over HTTP: an ormas account asks (``/portal/change-requests``); the office
decides (``/change-requests``). NIKs in a proposed board are never shown unmasked."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.registry.api.ormas import OfficerIn
from services.registry.application import change_requests as use
from services.registry.application import ormas as ormas_use
from services.registry.deps import Accounts, ChangeRequestStore, Config, Current, OrmasPorts
from services.registry.domain import officers as board_rules
from shared.auth import Principal
from shared.text import Input
from shared.web import current_principal

router = APIRouter(tags=["change requests"])
OrmasAccount = Annotated[Principal, Depends(current_principal(ormas="only"))]


class ContactsIn(Input):
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, max_length=30, pattern=r"^[0-9+ ().-]{8,30}$")
    whatsapp: str | None = Field(default=None, max_length=30, pattern=r"^[0-9+ ().-]{8,30}$")


class ChangeRequestIn(Input):
    renewal: bool = Field(default=False, description="the registration's renewal (its SKT ends or has ended)")
    contacts: ContactsIn | None = None
    officers: list[OfficerIn] | None = Field(default=None, max_length=board_rules.MAX_BOARD,
                                            description="the whole new board")
    reason: str | None = Field(default=None, max_length=500, examples=["musyawarah anggota 2026"])


class DecisionIn(Input):
    multiline = frozenset({"note"})
    approve: bool
    note: str | None = Field(default=None, max_length=2_000)


class ChangeRequestOut(BaseModel):
    id: str
    kind: Literal["change", "renewal"]
    ormas_id: str
    ormas_name: str
    region: str
    contacts: dict[str, Any] | None
    officers: list[dict[str, Any]] | None = Field(description="NIK and phone masked")
    reason: str | None
    status: Literal["pending", "approved", "rejected"]
    requested_by: str
    requested_at: dt.datetime
    decision: dict[str, Any] | None


def _out(doc: dict[str, Any]) -> ChangeRequestOut:
    officers = [board_rules.public(o) for o in doc["officers"]] if doc.get("officers") is not None else None
    return ChangeRequestOut(id=doc["_id"], officers=officers, kind=doc.get("kind") or "change",
                            **{k: doc.get(k) for k in ChangeRequestOut.model_fields if k not in ("id", "officers", "kind")})


@router.post("/portal/change-requests", status_code=201, response_model=ChangeRequestOut)
async def ask_change(body: ChangeRequestIn, principal: OrmasAccount, requests: ChangeRequestStore,
                     ports: OrmasPorts) -> ChangeRequestOut:
    """New contacts or a new board, for the office to approve."""
    return _out(await use.ask(requests, ports, principal, body.model_dump(mode="json", exclude_unset=True)))


@router.get("/portal/change-requests", response_model=list[ChangeRequestOut])
async def own_change_requests(principal: OrmasAccount, requests: ChangeRequestStore) -> list[ChangeRequestOut]:
    return [_out(d) for d in await use.own(requests, principal)]


@router.get("/change-requests", response_model=list[ChangeRequestOut])
async def list_change_requests(principal: Current, requests: ChangeRequestStore,
                               status: Literal["pending", "approved", "rejected"] | None = Query(default=None)
                               ) -> list[ChangeRequestOut]:
    """The requests of the office's ormas (and below), newest first."""
    return [_out(d) for d in await use.pending(requests, principal, status)]


@router.post("/change-requests/{change_id}/decision", response_model=ChangeRequestOut)
async def decide_change(change_id: str, body: DecisionIn, principal: Current, requests: ChangeRequestStore,
                        ports: OrmasPorts, accounts: Accounts, config: Config) -> ChangeRequestOut:
    """Approved: a change is applied as the office's edit (the board history keeps both boards), a
    renewal renews the registration with the next SKT number; or rejected with a note."""
    async def renew(ormas_id: str) -> None:
        await ormas_use.transition(ports, accounts, config.skt_number_format, principal, ormas_id,
                                   ormas_use.Step(action="renew"), None)

    return _out(await use.decide(requests, ports, principal, change_id, approve=body.approve, note=body.note,
                                 renew=renew))
