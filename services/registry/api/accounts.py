"""Offices, their user accounts, and the tokens the whole platform verifies.

``POST /auth/token`` checks a password (argon2) and issues an RS256 JWT with the user's role and
region; ``GET /.well-known/jwks.json`` publishes the public key so every service can verify it.
Accounts are created by an admin for their own region or below (the first admin comes from
``python -m services.registry.admin``)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Annotated, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Depends, Form, Request, Response
from jwt.algorithms import RSAAlgorithm
from pydantic import BaseModel, ConfigDict, Field
from pymongo.errors import DuplicateKeyError

from services.registry.api.routes import current
from shared import auth, regions
from shared.auth import ROLES, AuthError, Principal
from shared.web import Conflict, NotFound, Unprocessable, roles

router = APIRouter(tags=["offices and accounts"])
admin = roles(current, ("admin",))
hasher = PasswordHasher()
TOKEN_HOURS = 8
# a hash to verify against when the user does not exist, so both answers take the same time
_DUMMY = hasher.hash("kesbang-no-such-user")


class OfficeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=3, max_length=200, examples=["Badan Kesatuan Bangsa dan Politik Kota Pasuruan"])
    letterhead: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=6,
                                                                    description="kop surat, line by line")
    address: str | None = Field(default=None, max_length=300)
    head_name: str | None = Field(default=None, max_length=200)
    head_title: str | None = Field(default=None, max_length=200, examples=["Kepala Bakesbangpol"])
    head_nip: str | None = Field(default=None, pattern=r"^[0-9]{18}$")
    skt_number_format: str | None = Field(default=None, max_length=100,
                                          examples=["220/{seq:04d}/SKT/423.202/{year}"])


class OfficeOut(OfficeIn):
    region: str
    region_name: str


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9._-]+$")
    full_name: str = Field(min_length=1, max_length=200)
    role: Literal[ROLES]  # type: ignore[valid-type]
    region: str = Field(max_length=13, description='"" for the national office')
    password: str = Field(min_length=12, max_length=200)


class UserOut(BaseModel):
    username: str
    full_name: str
    role: str
    region: str
    active: bool


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


def _office_out(region: str, doc: dict) -> OfficeOut:
    r = regions.get(region)
    return OfficeOut(region=region, region_name=r.name if r else "Nasional",
                     **{k: doc.get(k) for k in OfficeIn.model_fields if doc.get(k) is not None})


def _check_format(fmt: str | None) -> None:
    if fmt is None:
        return
    try:
        fmt.format(seq=1, year=2026, office="35.75", region="35.75")
    except (KeyError, IndexError, ValueError) as e:
        raise Unprocessable(f"skt_number_format: {e}", errors=[
            {"field": "skt_number_format", "message": "use {seq}, {year}, {office}, {region}"}]) from None
    if "{seq" not in fmt:
        raise Unprocessable("skt_number_format needs {seq}", errors=[
            {"field": "skt_number_format", "message": "must contain {seq} so numbers stay unique"}])


@router.put("/offices/{region}", response_model=OfficeOut)
async def put_office(region: str, body: OfficeIn, request: Request, principal: Principal = Depends(admin)) -> OfficeOut:
    if region != regions.NATIONAL and not regions.is_valid(region):
        raise Unprocessable(f"{region!r} is not a Kemendagri region code", errors=[{"field": "region", "message": "unknown"}])
    if not principal.can_see(region):
        raise NotFound(f"region {region} is outside your office's scope")
    _check_format(body.skt_number_format)
    doc = {**body.model_dump(), "updated_at": dt.datetime.now(dt.UTC), "updated_by": principal.subject}
    await request.app.state.runtime.db["offices"].update_one({"_id": region or "nasional"}, {"$set": doc}, upsert=True)
    return _office_out(region, doc)


@router.get("/offices/{region}", response_model=OfficeOut)
async def get_office(region: str, request: Request, principal: Principal = Depends(current)) -> OfficeOut:
    doc = await request.app.state.runtime.db["offices"].find_one({"_id": region or "nasional"})
    if doc is None or not principal.can_see(region):
        raise NotFound("no such office")
    return _office_out(region, doc)


@router.post("/users", status_code=201, response_model=UserOut)
async def create_user(body: UserIn, request: Request, principal: Principal = Depends(admin)) -> UserOut:
    if body.region != regions.NATIONAL and not regions.is_valid(body.region):
        raise Unprocessable(f"{body.region!r} is not a Kemendagri region code",
                            errors=[{"field": "region", "message": "unknown"}])
    if not principal.can_see(body.region):
        raise NotFound(f"region {body.region} is outside your office's scope")
    doc = {"_id": body.username, "full_name": body.full_name, "role": body.role, "region": body.region,
           "password": hasher.hash(body.password), "active": True, "created_at": dt.datetime.now(dt.UTC),
           "created_by": principal.subject}
    try:
        await request.app.state.runtime.db["users"].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"user {body.username!r} exists") from None
    return UserOut(username=body.username, full_name=body.full_name, role=body.role, region=body.region, active=True)


@router.post("/auth/token", response_model=TokenOut)
async def token(request: Request, response: Response, username: str = Form(max_length=64),
                password: str = Form(max_length=200), grant_type: str = Form(default="password")) -> TokenOut:
    """OAuth2 password grant: a bearer token for the user's role and region (8 hours)."""
    if grant_type != "password":
        raise Unprocessable("only grant_type=password", errors=[{"field": "grant_type", "message": "unsupported"}])
    state = request.app.state
    user = await state.runtime.db["users"].find_one({"_id": username})
    try:
        hasher.verify(user["password"] if user else _DUMMY, password)
        if user is None or not user.get("active", True):
            raise VerificationError()
    except (VerificationError, InvalidHashError):
        raise AuthError("wrong username or password") from None
    key = state.settings.jwt_private_key_file
    if key is None:
        raise NotFound("this registry does not issue tokens")
    token = auth.mint(key.read_bytes(), subject=username, role=user["role"], region=user["region"],
                      issuer=state.settings.jwt_issuer, audience=state.settings.jwt_audience,
                      ttl=dt.timedelta(hours=TOKEN_HOURS), kid=state.jwk["kid"])
    response.headers["Cache-Control"] = "no-store"
    return TokenOut(access_token=token, expires_in=TOKEN_HOURS * 3600)


@router.get("/.well-known/jwks.json")
async def jwks(request: Request, response: Response) -> dict:
    response.headers["Cache-Control"] = "public, max-age=300"
    return {"keys": [request.app.state.jwk]}


def public_jwk(pem: bytes) -> dict:
    """The public key as a JWK, with an RFC 7638 thumbprint as its kid."""
    jwk = json.loads(RSAAlgorithm.to_jwk(RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(pem)))
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")
    return {"kty": "RSA", "n": jwk["n"], "e": jwk["e"], "alg": "RS256", "use": "sig", "kid": kid}
