"""Use cases of offices and accounts: office settings, users within an admin's scope, passwords,
and the login that issues the platform's tokens. Plain async functions taking what was asked and
the ports they need; ``api/accounts.py`` parses and shapes.

Passwords are argon2 hashes; a hash or a verify costs ~50 ms of CPU and 64 MB, so each runs in a
thread and never holds the event loop. A login checks the throttle first (failed logins per account
and per address, ``adapters/throttle.py``); an unknown user is verified against a dummy hash so
both answers take the same time. An access token lives 15 minutes; the session (a one-use refresh
token, stored by its digest) renews it while the account stays active."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import secrets
import uuid
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.registry import changes
from services.registry.adapters.accounts import Accounts, digest
from services.registry.adapters.throttle import Locked, LoginThrottle
from services.registry.domain import numbering, offices
from services.registry.settings import Settings
from shared import auth, errors, masking, outbox, regions
from shared.auth import AuthError, Forbidden, Principal, check_region
from shared.outbox import OutboxRelay

log = logging.getLogger(__name__)
hasher = PasswordHasher()
_DUMMY = hasher.hash("kesbang-no-such-user")
# a change of these ends the user's sessions: the next renewal carries the new role and region
_SESSION_ENDING = ("role", "region")


@dataclasses.dataclass(frozen=True)
class Issued:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


@dataclasses.dataclass(frozen=True)
class TokenPorts:
    accounts: Accounts
    throttle: LoginThrottle
    config: Settings
    jwk: dict


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(hasher.hash, password)


async def password_ok(user: dict | None, password: str) -> bool:
    try:
        await asyncio.to_thread(hasher.verify, (user or {}).get("password") or _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return False
    return bool(user and user.get("password"))  # an invited account has none until it is activated


# --- offices ---------------------------------------------------------------------------------
async def put_office(accounts: Accounts, relay: OutboxRelay, principal: Principal, region: str,
                     fields: dict[str, Any]) -> dict[str, Any]:
    """An office's settings are written by that office's own admins (and the national admins, who
    set up new offices); a province's admin does not write its cities' letterheads."""
    _office_writer(principal, region)
    for name in ("skt_number_format", "presence_number_format"):
        if fields.get(name) is not None:
            numbering.check(fields[name], name)  # BadFormat: 422 naming the field
    doc = {**fields, "updated_at": dt.datetime.now(dt.UTC), "updated_by": principal.subject}
    return await _write_office(accounts, relay, region, doc)


async def _write_office(accounts: Accounts, relay: OutboxRelay, region: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The settings and their ``registry.office.updated`` event in one write; the relay sends it on."""
    after = await accounts.put_office(region, fields, lambda doc: changes.office_entry(region, doc))
    relay.wake("offices", region or "nasional")
    return after


def _office_writer(principal: Principal, region: str) -> None:
    check_region(principal, region)
    if principal.region not in (region, regions.NATIONAL):
        raise Forbidden("an office's settings are written by that office's admin")


# the office's images, kept beside its settings: the letterhead's logo (a PNG or a plain SVG) and the
# head's signature (a PNG), each checked by its content (BadLogo: 422 naming ``file``)
IMAGES = {"logo": offices.check_logo, "signature": offices.check_signature}


async def put_image(accounts: Accounts, relay: OutboxRelay, principal: Principal, region: str, name: str,
                    data: bytes) -> None:
    _office_writer(principal, region)
    media, digest = IMAGES[name](data)
    await _write_office(accounts, relay, region, {name: {
        "media_type": media, "sha256": digest, "size": len(data), "data": data,
        "updated_at": dt.datetime.now(dt.UTC), "updated_by": principal.subject}})


async def remove_image(accounts: Accounts, relay: OutboxRelay, principal: Principal, region: str, name: str) -> None:
    _office_writer(principal, region)
    await _write_office(accounts, relay, region, {name: None})


async def office(accounts: Accounts, principal: Principal, region: str) -> dict[str, Any]:
    doc = await accounts.office(region)
    if doc is None or not principal.can_see(region):
        raise errors.NotFound("no such office")
    return doc


# --- users -----------------------------------------------------------------------------------
async def create_user(accounts: Accounts, principal: Principal, *, username: str, full_name: str, role: str,
                      region: str, password: str) -> dict[str, Any]:
    check_region(principal, region)
    doc = {"_id": username, "full_name": full_name, "role": role, "region": region,
           "password": await hash_password(password), "active": True,
           "created_at": dt.datetime.now(dt.UTC), "created_by": principal.subject}
    await accounts.create_user(doc)
    return doc


async def list_users(accounts: Accounts, principal: Principal, *, region: str | None, active: bool | None,
                     cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """The accounts of the admin's region (or ``region``) and below, by username; the cursor is
    the last one shown."""
    if region is not None:
        check_region(principal, region)
    docs = await accounts.users_within(principal.region if region is None else region, active=active,
                                       after=cursor, limit=limit + 1)
    more = len(docs) > limit
    docs = docs[:limit]
    return docs, docs[-1]["_id"] if more else None


async def managed_user(accounts: Accounts, principal: Principal, username: str) -> dict[str, Any]:
    doc = await accounts.user(username)
    if doc is None or not principal.can_see(doc["region"]):
        raise errors.NotFound("no such user")
    return doc


async def update_user(accounts: Accounts, principal: Principal, username: str, sent: dict[str, Any]) -> dict[str, Any]:
    """Name, role, region (within the admin's scope) and ``active``. Deactivating, or a new role or
    region, ends the user's sessions: no access token is renewed, and the last one runs out within
    its 15 minutes."""
    doc = await managed_user(accounts, principal, username)
    if doc["role"] == "ormas" and any(k in sent for k in ("role", "region")):
        raise errors.Conflict("an ormas account stays its ormas's; deactivate it and invite another")
    cleared = [k for k, v in sent.items() if v is None]
    if cleared:
        raise errors.Invalid("a field cannot be cleared", errors=[{"field": k, "message": "cannot be null"}
                                                                  for k in cleared])
    if "region" in sent:
        check_region(principal, sent["region"])
    ends_sessions = sent.get("active") is False or any(k in sent for k in _SESSION_ENDING)
    if username == principal.subject and ends_sessions:
        raise errors.Conflict("an admin does not deactivate or demote their own account; ask another admin")
    if not sent:
        return doc
    new = await accounts.update_user(username, {**sent, "updated_at": dt.datetime.now(dt.UTC),
                                                "updated_by": principal.subject})
    if ends_sessions:
        await accounts.end_sessions(username)
    log.info("account %s changed by %s: %s", masking.mask_name(username), principal.subject, sorted(sent))
    return new


async def reset_password(accounts: Accounts, throttle: LoginThrottle, principal: Principal, username: str,
                         password: str) -> None:
    """Sets a new password (the admin hands it over); the user's sessions end and the lock lifts."""
    await managed_user(accounts, principal, username)
    await accounts.update_user(username, {"password": await hash_password(password),
                                          "updated_at": dt.datetime.now(dt.UTC), "updated_by": principal.subject})
    await accounts.end_sessions(username)
    await throttle.unlock(username)


async def unlock(accounts: Accounts, throttle: LoginThrottle, principal: Principal, username: str) -> None:
    """Lifts the lock that failed logins put on an account before its time runs out."""
    await managed_user(accounts, principal, username)
    await throttle.unlock(username)


async def change_own_password(accounts: Accounts, principal: Principal, current: str, new: str) -> None:
    """A user changes their own password; their sessions end."""
    user = await accounts.user(principal.subject, with_password=True)
    if user is None or not await password_ok(user, current):
        raise errors.Invalid("the current password is wrong",
                             errors=[{"field": "current_password", "message": "wrong password"}])
    await accounts.update_user(principal.subject, {"password": await hash_password(new),
                                                   "updated_at": dt.datetime.now(dt.UTC)})
    await accounts.end_sessions(principal.subject)


# --- the first admin ------------------------------------------------------------------------
SETUP = "(first-run setup)"  # the throttle counts wrong setup codes as failed logins of this name


async def setup_needed(accounts: Accounts, config: Settings) -> dict[str, bool]:
    """Whether the installation still has no admin, and whether a setup code lets one be made."""
    needed = not await accounts.has_admin()
    return {"needed": needed, "available": needed and _setup_code(config) is not None}


def _setup_code(config: Settings) -> str | None:
    if config.setup_code_file is None:
        return None
    try:
        return config.setup_code_file.read_text().strip() or None
    except OSError:
        return None


async def first_admin(accounts: Accounts, throttle: LoginThrottle, config: Settings, client: str, *, code: str,
                      username: str, full_name: str, password: str) -> dict[str, Any]:
    """The installation's first admin (national), made with the setup code while no admin exists;
    wrong codes are throttled as failed logins are."""
    if await accounts.has_admin():
        raise errors.Conflict("this installation already has an admin; ask them for an account")
    expected = _setup_code(config)
    if expected is None:
        raise errors.NotFound("no setup code is configured: create the first admin with the CLI")
    try:
        await throttle.check(SETUP, client)
    except Locked as e:
        raise errors.TooManyRequests(f"too many wrong setup codes; try again in {e.retry_after} s",
                                     retry_after=e.retry_after) from None
    if not secrets.compare_digest(code.strip().encode(), expected.encode()):
        await throttle.failed(SETUP, client)
        log.warning("wrong setup code from %s", masking.mask_address(client))
        raise errors.Invalid("the setup code is wrong", errors=[{"field": "code", "message": "wrong setup code"}])
    doc = {"_id": username, "full_name": full_name, "role": "admin", "region": regions.NATIONAL,
           "password": await hash_password(password), "active": True,
           "created_at": dt.datetime.now(dt.UTC), "created_by": "first-run setup"}
    await accounts.create_user(doc)
    log.info("first admin %s created by the setup page", masking.mask_name(username))
    return doc


# --- tokens ----------------------------------------------------------------------------------
async def login(ports: TokenPorts, username: str, password: str, client: str) -> Issued:
    try:
        await ports.throttle.check(username, client)
    except Locked as e:
        log.warning("login refused for %s from %s: %s locked", masking.mask_name(username),
                    masking.mask_address(client), e.what)
        raise errors.TooManyRequests(f"too many failed logins; try again in {e.retry_after} s",
                                     retry_after=e.retry_after) from None
    user = await ports.accounts.user(username, with_password=True)
    if not await password_ok(user, password) or not user.get("active", True):
        await ports.throttle.failed(username, client)
        log.warning("failed login for %s from %s", masking.mask_name(username), masking.mask_address(client))
        raise AuthError("wrong username or password")
    await ports.throttle.unlock(username)
    return await _issue(ports, user)


async def refresh(ports: TokenPorts, secret: str) -> Issued:
    """A refresh token is used once: it is exchanged for a new one ending when the session ends."""
    session = await ports.accounts.take_session(secret)
    now = dt.datetime.now(dt.UTC)
    if session is None or session["expires_at"].replace(tzinfo=dt.UTC) <= now:
        raise AuthError("the session has ended; log in again")
    user = await ports.accounts.user(session["user"])
    if user is None or not user.get("active", True):
        raise AuthError("the account is not active")
    return await _issue(ports, user, session_ends=session["expires_at"].replace(tzinfo=dt.UTC))


async def _issue(ports: TokenPorts, user: dict, *, session_ends: dt.datetime | None = None) -> Issued:
    key = ports.config.jwt_private_key_file
    if key is None:
        raise errors.NotFound("this registry does not issue tokens")
    now = dt.datetime.now(dt.UTC)
    minutes = ports.config.access_token_minutes
    access = auth.mint(key.read_bytes(), subject=user["_id"], role=user["role"], region=user["region"],
                       issuer=ports.config.jwt_issuer, audience=ports.config.jwt_audience,
                       ttl=dt.timedelta(minutes=minutes), kid=ports.jwk["kid"], ormas_id=user.get("ormas_id"))
    secret = secrets.token_urlsafe(32)
    ends = session_ends or now + dt.timedelta(hours=ports.config.session_hours)
    await ports.accounts.open_session(secret, user["_id"], now, ends)
    return Issued(access_token=access, expires_in=minutes * 60, refresh_token=secret,
                  refresh_expires_in=int((ends - now).total_seconds()))


# --- ormas accounts --------------------------------------------------------------------------
# An officer of a recorded ormas is invited by its office: an account of role "ormas" bound to
# the ormas, inactive until the officer opens the link (a random token, kept only as its digest,
# valid ``ACTIVATION_DAYS``) and sets a password. Inviting again replaces the link.
ACTIVATION_DAYS = 7


async def invite_officer(accounts: Accounts, principal: Principal, ormas: dict[str, Any], *, full_name: str,
                         web_url: str) -> dict[str, Any]:
    if not principal.can_write(ormas["region"]):
        raise errors.NotFound("no such ormas")
    now = dt.datetime.now(dt.UTC)
    token = secrets.token_urlsafe(24)
    activation = {"digest": digest(token), "expires_at": now + dt.timedelta(days=ACTIVATION_DAYS)}
    existing = await accounts.ormas_account(ormas["_id"])
    if existing is not None:
        await accounts.update_user(existing["_id"], {"full_name": full_name, "activation": activation,
                                                     "updated_at": now, "updated_by": principal.subject})
        username = existing["_id"]
    else:
        username = f"ormas.{ormas['_id'][:12].lower()}"
        await accounts.create_user({"_id": username, "full_name": full_name, "role": "ormas", "region": ormas["region"],
                                    "ormas_id": ormas["_id"], "password": None, "active": False,
                                    "activation": activation, "created_at": now, "created_by": principal.subject})
    log.info("ormas account %s invited by %s", masking.mask_name(username), principal.subject)
    return {"username": username, "activation_url": f"{web_url.rstrip('/')}/portal/aktivasi/{token}",
            "expires_at": activation["expires_at"]}


SIGNUP_HOURS = 48


async def sign_up(accounts: Accounts, relay: OutboxRelay, body: dict[str, Any], *, web_url: str) -> dict[str, Any]:
    """A new organisation applies: nothing enters the office's book until its e-mail is verified.
    The sign-up keeps its verification event in its own outbox (notifications sends the link)."""
    if not regions.is_valid(body["organisation"]["region"]) or len(body["organisation"]["region"].split(".")) != 2:
        raise errors.Invalid("the office is a regency or city", errors=[{"field": "organisation.region",
                                                                          "message": "a regency or city code"}])
    now = dt.datetime.now(dt.UTC)
    token = secrets.token_urlsafe(24)
    signup = {"_id": digest(token), "signup_id": uuid.uuid4().hex[:16], "email": body["email"].strip().lower(),
              "full_name": body["full_name"], "organisation": body["organisation"], "created_at": now,
              "expires_at": now + dt.timedelta(hours=SIGNUP_HOURS), "used_at": None}
    link = f"{web_url.rstrip('/')}/portal/aktivasi/{token}"
    signup[outbox.FIELD] = [changes.verification_entry(signup, link)]
    await accounts.add_signup(signup)
    relay.wake("signups", signup["_id"])
    log.info("sign-up of %s for %s", masking.mask_email(signup["email"]), body["organisation"]["region"])
    return {"signup_id": signup["signup_id"], "expires_at": signup["expires_at"]}


async def activate(accounts: Accounts, token: str, password: str, *, signed_up=None) -> str:
    """The invited officer's password set from the link; the account is active. Its username.
    A new organisation's link (``signed_up``: what records its ormas) makes its account too."""
    user = await accounts.by_activation(digest(token))
    if user is None and signed_up is not None:
        signup = await accounts.take_signup(digest(token))
        if signup is not None and signup["expires_at"].replace(tzinfo=dt.UTC) > dt.datetime.now(dt.UTC):
            return await signed_up(signup, await hash_password(password))
    if user is None or user["activation"]["expires_at"].replace(tzinfo=dt.UTC) <= dt.datetime.now(dt.UTC):
        raise errors.Gone("this activation link is not valid (used, replaced or expired); ask the office for a new one")
    await accounts.update_user(user["_id"], {"password": await hash_password(password), "active": True,
                                             "activation": None, "activated_at": dt.datetime.now(dt.UTC)})
    return user["_id"]
