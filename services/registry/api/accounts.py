"""Offices, their user accounts, and the tokens the whole platform verifies.

``POST /auth/token`` checks a password (argon2) and issues an RS256 JWT with the user's role and
region; ``GET /.well-known/jwks.json`` publishes the public key so every service can verify it.
Accounts are created by an admin for their own region or below (the first admin comes from
``python -m services.registry.admin``)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import logging
import secrets
from typing import Annotated, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Form, Query, Request, Response
from jwt.algorithms import RSAAlgorithm
from pydantic import BaseModel, Field

from services.registry.adapters.accounts import Accounts as AccountsAdapter
from services.registry.adapters.throttle import Locked
from services.registry.deps import Accounts, Admin, Config, Current, Jwk, Throttle
from services.registry.domain import numbering
from services.registry.settings import Settings
from shared import auth, errors, masking, regions
from shared.auth import ROLES, AuthError, Forbidden, Principal, check_region
from shared.text import Input
from shared.web import Conflict, NotFound, Unprocessable

router = APIRouter(tags=["offices and accounts"])
hasher = PasswordHasher()
log = logging.getLogger(__name__)
# a hash to verify against when the user does not exist, so both answers take the same time
_DUMMY = hasher.hash("kesbang-no-such-user")


class OfficeIn(Input):
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


class UserIn(Input):
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
    refresh_token: str = Field(description="renews the access token at POST /auth/token (grant_type=refresh_token) "
                                           "while the account stays active")
    refresh_expires_in: int


class UserPage(BaseModel):
    items: list[UserOut]
    next_cursor: str | None


class UserPatch(Input):
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Literal[ROLES] | None = None  # type: ignore[valid-type]
    region: str | None = Field(default=None, max_length=13)
    active: bool | None = None


class PasswordIn(Input):
    password: str = Field(min_length=12, max_length=200)


class OwnPasswordIn(Input):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=12, max_length=200)


def _office_out(region: str, doc: dict) -> OfficeOut:
    r = regions.get(region)
    return OfficeOut(region=region, region_name=r.name if r else "Nasional",
                     **{k: doc.get(k) for k in OfficeIn.model_fields if doc.get(k) is not None})


def _check_format(fmt: str | None) -> None:
    if fmt is None:
        return
    numbering.check(fmt)  # BadFormat: 422 naming skt_number_format


@router.put("/offices/{region}", response_model=OfficeOut)
async def put_office(region: str, body: OfficeIn, accounts: Accounts, principal: Admin) -> OfficeOut:
    """An office's settings are written by that office's own admins (and the national admins, who
    set up new offices); a province's admin does not write its cities' letterheads."""
    check_region(principal, region)
    if principal.region not in (region, regions.NATIONAL):
        raise Forbidden("an office's settings are written by that office's admin")
    _check_format(body.skt_number_format)
    doc = {**body.model_dump(), "updated_at": dt.datetime.now(dt.UTC), "updated_by": principal.subject}
    await accounts.put_office(region, doc)
    return _office_out(region, doc)


@router.get("/offices/{region}", response_model=OfficeOut)
async def get_office(region: str, accounts: Accounts, principal: Current) -> OfficeOut:
    doc = await accounts.office(region)
    if doc is None or not principal.can_see(region):
        raise NotFound("no such office")
    return _office_out(region, doc)


def _user_out(doc: dict) -> UserOut:
    return UserOut(username=doc["_id"], full_name=doc["full_name"], role=doc["role"], region=doc["region"],
                   active=doc.get("active", True))


@router.post("/users", status_code=201, response_model=UserOut)
async def create_user(body: UserIn, accounts: Accounts, principal: Admin) -> UserOut:
    check_region(principal, body.region)
    doc = {"_id": body.username, "full_name": body.full_name, "role": body.role, "region": body.region,
           "password": await asyncio.to_thread(hasher.hash, body.password), "active": True,
           "created_at": dt.datetime.now(dt.UTC), "created_by": principal.subject}
    await accounts.create_user(doc)
    return _user_out(doc)


@router.get("/users", response_model=UserPage)
async def list_users(accounts: Accounts, principal: Admin,
                     region: str | None = Query(default=None, max_length=13, description="this region and below"),
                     active: bool | None = None, cursor: str | None = Query(default=None, max_length=64),
                     limit: int = Query(default=50, ge=1, le=200)) -> UserPage:
    """The accounts of the admin's region and below, by username (cursor: the last one shown)."""
    if region is not None:
        check_region(principal, region)
    docs = await accounts.users_within(principal.region if region is None else region, active=active,
                                       after=cursor, limit=limit + 1)
    more = len(docs) > limit
    docs = docs[:limit]
    return UserPage(items=[_user_out(d) for d in docs], next_cursor=docs[-1]["_id"] if more else None)


async def _managed(accounts: AccountsAdapter, principal: Principal, username: str) -> dict:
    doc = await accounts.user(username)
    if doc is None or not principal.can_see(doc["region"]):
        raise NotFound("no such user")
    return doc


@router.get("/users/{username}", response_model=UserOut)
async def get_user(username: str, accounts: Accounts, principal: Admin) -> UserOut:
    return _user_out(await _managed(accounts, principal, username))


@router.patch("/users/{username}", response_model=UserOut)
async def update_user(username: str, body: UserPatch, accounts: Accounts, principal: Admin) -> UserOut:
    """Name, role, region (within the admin's scope) and ``active``. Deactivating ends the user's
    sessions: no access token is renewed, and the last one runs out within its 15 minutes."""
    doc = await _managed(accounts, principal, username)
    sent = body.model_dump(exclude_unset=True)
    if any(sent.get(k) is None for k in sent):
        raise Unprocessable("a field cannot be cleared", errors=[{"field": k, "message": "cannot be null"}
                                                                  for k in sent if sent[k] is None])
    if "region" in sent:
        check_region(principal, sent["region"])
    if username == principal.subject and (sent.get("active") is False or "role" in sent or "region" in sent):
        raise Conflict("an admin does not deactivate or demote their own account; ask another admin")
    if not sent:
        return _user_out(doc)
    new = await accounts.update_user(username, {**sent, "updated_at": dt.datetime.now(dt.UTC),
                                                "updated_by": principal.subject})
    if sent.get("active") is False or "role" in sent or "region" in sent:
        await accounts.end_sessions(username)
    log.info("account %s changed by %s: %s", masking.mask_name(username), principal.subject, sorted(sent))
    return _user_out(new)


@router.post("/users/{username}/password", status_code=204)
async def reset_password(username: str, body: PasswordIn, accounts: Accounts, throttle: Throttle,
                         principal: Admin) -> Response:
    """Sets a new password (the admin hands it over); the user's sessions end."""
    await _managed(accounts, principal, username)
    await accounts.update_user(username, {"password": await asyncio.to_thread(hasher.hash, body.password),
                                          "updated_at": dt.datetime.now(dt.UTC), "updated_by": principal.subject})
    await accounts.end_sessions(username)
    await throttle.unlock(username)
    return Response(status_code=204)


@router.post("/users/{username}/unlock", status_code=204)
async def unlock(username: str, accounts: Accounts, throttle: Throttle, principal: Admin) -> Response:
    """Lifts the lock that failed logins put on an account before its time runs out."""
    await _managed(accounts, principal, username)
    await throttle.unlock(username)
    return Response(status_code=204)


@router.post("/auth/password", status_code=204)
async def change_own_password(body: OwnPasswordIn, accounts: Accounts, principal: Current) -> Response:
    """A user changes their own password; their other sessions end."""
    user = await accounts.user(principal.subject, with_password=True)
    if user is None or not await _password_ok(user, body.current_password):
        raise Unprocessable("the current password is wrong",
                            errors=[{"field": "current_password", "message": "wrong password"}])
    await accounts.update_user(principal.subject, {"password": await asyncio.to_thread(hasher.hash, body.new_password),
                                                   "updated_at": dt.datetime.now(dt.UTC)})
    await accounts.end_sessions(principal.subject)
    return Response(status_code=204)


async def _password_ok(user: dict | None, password: str) -> bool:
    """argon2 in a thread: a verify costs ~50 ms of CPU and 64 MB, which the event loop must not wait for."""
    try:
        await asyncio.to_thread(hasher.verify, user["password"] if user else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/auth/token", response_model=TokenOut,
             responses={429: {"description": "too many failed logins; see Retry-After"}})
async def token(request: Request, response: Response, accounts: Accounts, throttle: Throttle, config: Config,
                jwk: Jwk, username: str = Form(default="", max_length=64), password: str = Form(default="", max_length=200),
                grant_type: str = Form(default="password"), refresh_token: str = Form(default="", max_length=100)) -> TokenOut:
    """OAuth2 password grant, or ``refresh_token`` grant: an access token of 15 minutes
    (``REGISTRY_ACCESS_TOKEN_MINUTES``) for the user's role and region, with a refresh token that
    renews it while the account stays active (up to ``REGISTRY_SESSION_HOURS`` after the login)."""
    issuer = _Issuer(accounts, config, jwk, response)
    if grant_type == "refresh_token":
        return await issuer.refresh(refresh_token)
    if grant_type != "password":
        raise Unprocessable("only grant_type=password or refresh_token",
                            errors=[{"field": "grant_type", "message": "unsupported"}])
    if not username or not password:
        raise Unprocessable("username and password are required",
                            errors=[{"field": f, "message": "required"}
                                    for f, v in (("username", username), ("password", password)) if not v])
    client = _client(request)
    try:
        await throttle.check(username, client)
    except Locked as e:
        log.warning("login refused for %s from %s: %s locked", masking.mask_name(username),
                    masking.mask_address(client), e.what)
        raise errors.TooManyRequests(f"too many failed logins; try again in {e.retry_after} s",
                                     retry_after=e.retry_after) from None
    user = await accounts.user(username, with_password=True)
    if not await _password_ok(user, password) or not user.get("active", True):
        await throttle.failed(username, client)
        log.warning("failed login for %s from %s", masking.mask_name(username), masking.mask_address(client))
        raise AuthError("wrong username or password")
    await throttle.unlock(username)
    return await issuer.issue(user)


class _Issuer:
    """Access tokens and the sessions (refresh tokens) that renew them."""

    def __init__(self, accounts: AccountsAdapter, config: Settings, jwk: dict, response: Response):
        self.accounts, self.config, self.jwk, self.response = accounts, config, jwk, response

    async def issue(self, user: dict, *, session_ends: dt.datetime | None = None) -> TokenOut:
        key = self.config.jwt_private_key_file
        if key is None:
            raise NotFound("this registry does not issue tokens")
        now = dt.datetime.now(dt.UTC)
        minutes = self.config.access_token_minutes
        access = auth.mint(key.read_bytes(), subject=user["_id"], role=user["role"], region=user["region"],
                           issuer=self.config.jwt_issuer, audience=self.config.jwt_audience,
                           ttl=dt.timedelta(minutes=minutes), kid=self.jwk["kid"])
        secret = secrets.token_urlsafe(32)
        ends = session_ends or now + dt.timedelta(hours=self.config.session_hours)
        await self.accounts.open_session(secret, user["_id"], now, ends)
        self.response.headers["Cache-Control"] = "no-store"
        return TokenOut(access_token=access, expires_in=minutes * 60, refresh_token=secret,
                        refresh_expires_in=int((ends - now).total_seconds()))

    async def refresh(self, secret: str) -> TokenOut:
        """A refresh token is used once: it is exchanged for a new one ending when the session ends."""
        if not secret:
            raise Unprocessable("refresh_token is required", errors=[{"field": "refresh_token", "message": "required"}])
        session = await self.accounts.take_session(secret)
        now = dt.datetime.now(dt.UTC)
        if session is None or session["expires_at"].replace(tzinfo=dt.UTC) <= now:
            raise AuthError("the session has ended; log in again")
        user = await self.accounts.user(session["user"])
        if user is None or not user.get("active", True):
            raise AuthError("the account is not active")
        return await self.issue(user, session_ends=session["expires_at"].replace(tzinfo=dt.UTC))


@router.get("/.well-known/jwks.json")
async def jwks(response: Response, jwk: Jwk) -> dict:
    response.headers["Cache-Control"] = "public, max-age=300"
    return {"keys": [jwk]}


def public_jwk(pem: bytes) -> dict:
    """The public key as a JWK, with an RFC 7638 thumbprint as its kid."""
    jwk = json.loads(RSAAlgorithm.to_jwk(RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(pem)))
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")
    return {"kty": "RSA", "n": jwk["n"], "e": jwk["e"], "alg": "RS256", "use": "sig", "kid": kid}
