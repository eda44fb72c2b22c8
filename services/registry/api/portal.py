"""Ormas accounts: the office invites an officer of one of its ormas (a link that sets a password),
the officer activates the account, and reads its own ormas — the only record an ormas account's
token reaches in the registry."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from services.registry.api.ormas import OrmasOut, _out
from services.registry.application import accounts as use
from services.registry.application import ormas as ormas_use
from services.registry.deps import Accounts, Config, OrmasStore, Writer
from shared import errors
from shared.auth import Principal
from shared.text import Input
from shared.web import current_principal

router = APIRouter(tags=["portal"])
OrmasAccount = Annotated[Principal, Depends(current_principal(ormas="only"))]


class InviteIn(Input):
    full_name: str = Field(min_length=1, max_length=200, description="the officer who will use the portal")


class Invitation(BaseModel):
    username: str
    activation_url: str = Field(description="send it to the officer (WhatsApp, e-mail); it works once, for 7 days")
    expires_at: dt.datetime


class ActivationIn(Input):
    token: str = Field(min_length=20, max_length=100)
    password: str = Field(min_length=12, max_length=200)


@router.post("/ormas/{ormas_id}/account", status_code=201, response_model=Invitation)
async def invite_officer(ormas_id: str, body: InviteIn, principal: Writer, ormas: OrmasStore, accounts: Accounts,
                         config: Config) -> Invitation:
    """The ormas's portal account, invited (a new link replaces the last one)."""
    doc = await ormas_use.visible(ormas, principal, ormas_id)
    return Invitation(**await use.invite_officer(accounts, principal, doc, full_name=body.full_name,
                                                 web_url=config.web_url))


@router.post("/auth/activation", status_code=204)
async def activate(body: ActivationIn, accounts: Accounts) -> Response:
    """The invited officer sets the password from the link (no token: the link is the key)."""
    await use.activate(accounts, body.token, body.password)
    return Response(status_code=204)


@router.get("/portal/ormas", response_model=OrmasOut)
async def own_ormas(principal: OrmasAccount, ormas: OrmasStore) -> OrmasOut:
    """The ormas this account speaks for."""
    doc = await ormas.get(principal.ormas_id or "")
    if doc is None:
        raise errors.NotFound("the ormas of this account is gone")
    return _out(doc)
