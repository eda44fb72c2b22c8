"""Offices, their user accounts, and the tokens the whole platform verifies.

``POST /auth/token`` checks a password (argon2) and issues an RS256 JWT with the user's role and
region; ``GET /.well-known/jwks.json`` publishes the public key so every service can verify it.
Accounts are created by an admin for their own region or below (the first admin comes from
``python -m services.registry.admin``)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from jwt.algorithms import RSAAlgorithm
from pydantic import BaseModel, Field

from services.registry.application import accounts as use
from services.registry.deps import Accounts, Admin, Config, Current, Jwk, Relay, Throttle
from services.registry.domain import offices
from shared import regions
from shared.auth import ACCOUNT_ROLES as ROLES
from shared.text import Input
from shared.web import NotFound, Unprocessable

router = APIRouter(tags=["offices and accounts"])


class OfficeIn(Input):
    name: str = Field(min_length=3, max_length=200, examples=["Badan Kesatuan Bangsa dan Politik Kota Pasuruan"])
    letterhead: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=6,
                                                                    description="kop surat, line by line")
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=40, pattern=r"^\+?[0-9 ()\-]{5,40}$", examples=["(0343) 424091"])
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    website: str | None = Field(default=None, max_length=200, pattern=r"^(https?://)?[a-z0-9.-]+\.[a-z]{2,}(/\S*)?$",
                                examples=["kesbangpol.pasuruankota.go.id"])
    head_name: str | None = Field(default=None, max_length=200)
    head_title: str | None = Field(default=None, max_length=200, examples=["Kepala Bakesbangpol"])
    head_nip: str | None = Field(default=None, pattern=r"^[0-9]{18}$")
    skt_number_format: str | None = Field(default=None, max_length=100,
                                          examples=["220/{seq:04d}/SKT/423.202/{year}"])
    presence_number_format: str | None = Field(
        default=None, max_length=100, examples=["220/{seq:04d}/SKK/423.202/{year}"],
        description="the number of the office's own letter (surat keterangan keberadaan) when Kemendagri issues "
                    "the SKT; same fields as skt_number_format")
    skt_issuer: Literal["kantor", "kemendagri"] | None = Field(
        default=None, description="who issues the SKT of an ormas without legal entity: the office itself (default), "
                                  "or the Minister through Kemendagri's system (Permendagri 57/2017), the office "
                                  "forwarding the verified application")


class LogoOut(BaseModel):
    media_type: str
    size: int
    sha256: str
    url: str


class OfficeOut(OfficeIn):
    region: str
    region_name: str
    logo: LogoOut | None = None
    signature: LogoOut | None = Field(default=None, description="the head's signature image (PNG)")


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
    def image(value, name: str) -> LogoOut | None:
        return LogoOut(media_type=value["media_type"], size=value["size"], sha256=value["sha256"],
                       url=f"/offices/{region}/{name}") if value else None

    return OfficeOut(region=region, region_name=r.name if r else "Nasional",
                     logo=image(doc.get("logo"), "logo"), signature=image(doc.get("signature"), "signature"),
                     **{k: doc.get(k) for k in OfficeIn.model_fields if doc.get(k) is not None})


@router.put("/offices/{region}", response_model=OfficeOut)
async def put_office(region: str, body: OfficeIn, accounts: Accounts, relay: Relay, principal: Admin) -> OfficeOut:
    """Written by that office's own admins, or a national admin."""
    return _office_out(region, await use.put_office(accounts, relay, principal, region, body.model_dump()))


@router.get("/offices/{region}", response_model=OfficeOut)
async def get_office(region: str, accounts: Accounts, principal: Current) -> OfficeOut:
    return _office_out(region, await use.office(accounts, principal, region))


@router.put("/offices/{region}/logo", response_model=OfficeOut)
async def put_logo(region: str, accounts: Accounts, relay: Relay, principal: Admin,
                   file: UploadFile = File(description="PNG or SVG (shapes only), at most 256 KB")) -> OfficeOut:
    """The letterhead's logo, checked by its content."""
    await use.put_image(accounts, relay, principal, region, "logo", await file.read(offices.MAX_LOGO_BYTES + 1))
    return _office_out(region, await use.office(accounts, principal, region))


@router.delete("/offices/{region}/logo", status_code=204)
async def delete_logo(region: str, accounts: Accounts, relay: Relay, principal: Admin) -> Response:
    await use.remove_image(accounts, relay, principal, region, "logo")
    return Response(status_code=204)


@router.get("/offices/{region}/logo", responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}})
async def get_logo(region: str, accounts: Accounts, principal: Current) -> Response:
    return _image((await use.office(accounts, principal, region)).get("logo"), "this office has no logo")


def _image(value: dict | None, missing: str) -> Response:
    if not value:
        raise NotFound(missing)
    return Response(bytes(value["data"]), media_type=value["media_type"], headers={
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        "Cache-Control": "private, max-age=300", "ETag": f'"{value["sha256"]}"'})


@router.put("/offices/{region}/signature", response_model=OfficeOut)
async def put_signature(region: str, accounts: Accounts, relay: Relay, principal: Admin,
                        file: UploadFile = File(description="PNG, at most 256 KB")) -> OfficeOut:
    """The head's signature image, printed on the letters the head signs (their signatory is the
    office's head)."""
    await use.put_image(accounts, relay, principal, region, "signature", await file.read(offices.MAX_LOGO_BYTES + 1))
    return _office_out(region, await use.office(accounts, principal, region))


@router.delete("/offices/{region}/signature", status_code=204)
async def delete_signature(region: str, accounts: Accounts, relay: Relay, principal: Admin) -> Response:
    await use.remove_image(accounts, relay, principal, region, "signature")
    return Response(status_code=204)


@router.get("/offices/{region}/signature", responses={200: {"content": {"image/png": {}}}})
async def get_signature(region: str, accounts: Accounts, principal: Current) -> Response:
    return _image((await use.office(accounts, principal, region)).get("signature"), "this office has no signature image")


def _user_out(doc: dict) -> UserOut:
    return UserOut(username=doc["_id"], full_name=doc["full_name"], role=doc["role"], region=doc["region"],
                   active=doc.get("active", True))


@router.post("/users", status_code=201, response_model=UserOut)
async def create_user(body: UserIn, accounts: Accounts, principal: Admin) -> UserOut:
    return _user_out(await use.create_user(accounts, principal, **body.model_dump()))


@router.get("/users", response_model=UserPage)
async def list_users(accounts: Accounts, principal: Admin,
                     region: str | None = Query(default=None, max_length=13, description="this region and below"),
                     active: bool | None = None, cursor: str | None = Query(default=None, max_length=64),
                     limit: int = Query(default=50, ge=1, le=200)) -> UserPage:
    """The accounts of the admin's region and below, by username (cursor: the last one shown)."""
    docs, next_cursor = await use.list_users(accounts, principal, region=region, active=active, cursor=cursor,
                                             limit=limit)
    return UserPage(items=[_user_out(d) for d in docs], next_cursor=next_cursor)


@router.get("/users/{username}", response_model=UserOut)
async def get_user(username: str, accounts: Accounts, principal: Admin) -> UserOut:
    return _user_out(await use.managed_user(accounts, principal, username))


@router.patch("/users/{username}", response_model=UserOut)
async def update_user(username: str, body: UserPatch, accounts: Accounts, principal: Admin) -> UserOut:
    """Name, role, region (within the admin's scope) and ``active``; deactivating, or a new role or
    region, ends the user's sessions."""
    return _user_out(await use.update_user(accounts, principal, username, body.model_dump(exclude_unset=True)))


@router.post("/users/{username}/password", status_code=204)
async def reset_password(username: str, body: PasswordIn, accounts: Accounts, throttle: Throttle,
                         principal: Admin) -> Response:
    """Sets a new password (the admin hands it over); the user's sessions end."""
    await use.reset_password(accounts, throttle, principal, username, body.password)
    return Response(status_code=204)


@router.post("/users/{username}/unlock", status_code=204)
async def unlock(username: str, accounts: Accounts, throttle: Throttle, principal: Admin) -> Response:
    """Lifts the lock that failed logins put on an account before its time runs out."""
    await use.unlock(accounts, throttle, principal, username)
    return Response(status_code=204)


@router.post("/auth/password", status_code=204)
async def change_own_password(body: OwnPasswordIn, accounts: Accounts, principal: Current) -> Response:
    """A user changes their own password; their other sessions end."""
    await use.change_own_password(accounts, principal, body.current_password, body.new_password)
    return Response(status_code=204)


def _client(request: Request) -> str:
    """The caller's address (behind a trusted proxy, the one it forwarded): the login throttle's key."""
    return request.client.host if request.client else "unknown"


@router.post("/auth/token", response_model=TokenOut,
             responses={429: {"description": "too many failed logins; see Retry-After"}})
async def token(request: Request, response: Response, accounts: Accounts, throttle: Throttle, config: Config,
                jwk: Jwk, username: str = Form(default="", max_length=64), password: str = Form(default="", max_length=200),
                grant_type: str = Form(default="password"), refresh_token: str = Form(default="", max_length=100)) -> TokenOut:
    """OAuth2 password grant, or ``refresh_token`` grant: an access token of 15 minutes
    (``REGISTRY_ACCESS_TOKEN_MINUTES``) for the user's role and region, with a refresh token that
    renews it while the account stays active (up to ``REGISTRY_SESSION_HOURS`` after the login)."""
    ports = use.TokenPorts(accounts=accounts, throttle=throttle, config=config, jwk=jwk)
    if grant_type == "refresh_token":
        if not refresh_token:
            raise Unprocessable("refresh_token is required", errors=[{"field": "refresh_token", "message": "required"}])
        issued = await use.refresh(ports, refresh_token)
    elif grant_type != "password":
        raise Unprocessable("only grant_type=password or refresh_token",
                            errors=[{"field": "grant_type", "message": "unsupported"}])
    elif not username or not password:
        raise Unprocessable("username and password are required",
                            errors=[{"field": f, "message": "required"}
                                    for f, v in (("username", username), ("password", password)) if not v])
    else:
        issued = await use.login(ports, username, password, _client(request))
    response.headers["Cache-Control"] = "no-store"
    return TokenOut(**dataclasses.asdict(issued))


class SetupIn(Input):
    code: str = Field(min_length=1, max_length=100)
    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9._-]+$")
    full_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=12, max_length=200)


class SetupOut(BaseModel):
    needed: bool = Field(description="the installation has no admin yet")
    available: bool = Field(description="a setup code is configured, so POST /auth/setup can make one")


@router.get("/auth/setup", response_model=SetupOut)
async def setup_state(accounts: Accounts, config: Config) -> SetupOut:
    return SetupOut(**await use.setup_needed(accounts, config))


@router.post("/auth/setup", status_code=201, response_model=UserOut)
async def setup(body: SetupIn, request: Request, accounts: Accounts, throttle: Throttle, config: Config) -> UserOut:
    """The first admin of a new installation, with the one-time setup code ``make run`` prints;
    409 once an admin exists (the CLI ``python -m services.registry.admin`` stays for break-glass)."""
    return _user_out(await use.first_admin(accounts, throttle, config, _client(request),
                                           **body.model_dump()))


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
