"""Ormas accounts: the office invites an officer of one of its ormas (a link that sets a password),
the officer activates the account, and reads its own ormas — the only record an ormas account's
token reaches in the registry."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from services.registry.api.ormas import OrmasOut, _out
from services.registry.application import accounts as use
from services.registry.application import applications
from services.registry.application import ormas as ormas_use
from services.registry.deps import Accounts, Config, OrmasPorts, OrmasStore, Relay, Throttle, Writer
from shared import errors
from shared.auth import Principal
from shared.contracts.registry_schemas import KINDS, LEGAL_FORMS
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


class Activated(BaseModel):
    username: str = Field(description="the account to sign in with")


@router.post("/auth/activation", response_model=Activated)
async def activate(body: ActivationIn, accounts: Accounts, ports: OrmasPorts, config: Config) -> Activated:
    """The invited officer, or a new organisation that signed up, sets the password from the link
    (no token: the link is the key). A sign-up's link also opens its application in the book."""
    username = await use.activate(accounts, body.token, body.password,
                                  signed_up=applications.opener(ports, accounts, config))
    return Activated(username=username)


class OrganisationIn(Input):
    name: str = Field(min_length=3, max_length=300)
    acronym: str | None = Field(default=None, max_length=50)
    kind: Literal[tuple(KINDS)]  # type: ignore[valid-type]
    legal_form: Literal[tuple(LEGAL_FORMS)] = "tidak_berbadan_hukum"  # type: ignore[valid-type]
    region: str = Field(min_length=5, max_length=5, description="the regency or city whose office keeps its book")
    decree_number: str | None = Field(default=None, max_length=100, description="a legal entity's Kemenkumham decree")
    whatsapp: str | None = Field(default=None, max_length=30)


class SignUpIn(Input):
    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    full_name: str = Field(min_length=2, max_length=200, description="who applies for the organisation")
    organisation: OrganisationIn


class SignedUp(BaseModel):
    signup_id: str
    expires_at: dt.datetime = Field(description="the verification link sent to the e-mail works until then")


@router.post("/portal/signup", status_code=202, response_model=SignedUp)
async def sign_up(body: SignUpIn, request: Request, accounts: Accounts, relay: Relay, throttle: Throttle,
                  config: Config) -> SignedUp:
    """A new organisation applies online: a link to verify its e-mail is sent there; nothing enters
    the book before. At most five sign-ups per client address an hour."""
    if not await throttle.allow_signup(request.client.host if request.client else "unknown"):
        raise errors.TooManyRequests("too many sign-ups from this address; try again in an hour", retry_after=3600)
    return SignedUp(**await use.sign_up(accounts, relay, body.model_dump(), web_url=config.web_url))


@router.get("/portal/ormas", response_model=OrmasOut)
async def own_ormas(principal: OrmasAccount, ormas: OrmasStore) -> OrmasOut:
    """The ormas this account speaks for."""
    doc = await ormas.get(principal.ormas_id or "")
    if doc is None:
        raise errors.NotFound("the ormas of this account is gone")
    return _out(doc)
