"""The office's team over HTTP: its members see the list; the head (or an admin) keeps it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.earlywarning.application import team as use
from services.earlywarning.deps import Current, Lead, TeamStore
from shared import masking
from shared.auth import check_region
from shared.text import Input

router = APIRouter(tags=["team"])
PHONE = r"^\+[1-9][0-9]{6,14}$"


class MemberIn(Input):
    name: str = Field(min_length=1, max_length=200)
    position: str | None = Field(default=None, max_length=200, examples=["Kasat Intelkam Polres"])
    institution: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    whatsapp: str | None = Field(default=None, pattern=PHONE)
    phone: str | None = Field(default=None, pattern=PHONE)
    user: str | None = Field(default=None, max_length=200, description="the member's account, when they have one")
    head: bool = Field(default=False, description="the head of the office: reminded of unverified reports")
    verifier: bool = False
    region: str | None = Field(default=None, max_length=5, description="the office (default: yours)")


class MemberPatch(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    position: str | None = Field(default=None, max_length=200)
    institution: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    whatsapp: str | None = Field(default=None, pattern=PHONE)
    phone: str | None = Field(default=None, pattern=PHONE)
    head: bool | None = None
    verifier: bool | None = None
    active: bool | None = None


class MemberOut(BaseModel):
    id: str
    region: str
    name: str
    position: str | None
    institution: str | None
    email: str | None
    whatsapp: str | None
    phone: str | None
    user: str | None
    head: bool
    verifier: bool
    active: bool


def out(doc: dict[str, Any], *, masked: bool = False) -> MemberOut:
    contacts = {k: doc.get(k) for k in ("email", "whatsapp", "phone")}
    if masked:  # read-only roles see that a member is reachable, not the number
        contacts = {"email": masking.mask_email(contacts["email"]), "whatsapp": masking.mask_phone(contacts["whatsapp"]),
                    "phone": masking.mask_phone(contacts["phone"])}
    return MemberOut(id=doc["_id"], region=doc["region"], name=doc["name"], position=doc.get("position"),
                     institution=doc.get("institution"), user=doc.get("user"), head=bool(doc.get("head")),
                     verifier=bool(doc.get("verifier")), active=bool(doc.get("active")), **contacts)


@router.get("/team", response_model=list[MemberOut])
async def list_team(principal: Current, team: TeamStore,
                    region: str | None = Query(default=None, max_length=5)) -> list[MemberOut]:
    code = check_region(principal, region) if region is not None else principal.region
    masked = principal.role in ("analyst",)
    return [out(d, masked=masked) for d in await team.of(code)]


@router.post("/team", status_code=201, response_model=MemberOut)
async def add_member(body: MemberIn, principal: Lead, team: TeamStore) -> MemberOut:
    return out(await use.add(team, principal, body.model_dump()))


@router.patch("/team/{member_id}", response_model=MemberOut)
async def change_member(member_id: str, body: MemberPatch, principal: Lead, team: TeamStore) -> MemberOut:
    return out(await use.change(team, principal, member_id, body.model_dump(exclude_unset=True)))
