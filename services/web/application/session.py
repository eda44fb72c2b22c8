"""Signing in and staying signed in. The registry checks the password and issues the tokens; the
web application keeps them in the session (``adapters/sessions.py``) and renews the access token
with the one-use refresh token every ``session_check_seconds``: an account deactivated, or whose
password was reset, stops working within that time (the registry refuses the renewal)."""

from __future__ import annotations

import dataclasses
import secrets
import time
from typing import Any

import jwt

from services.web.adapters.apis import ApiProblem, Apis
from services.web.adapters.sessions import Sessions


@dataclasses.dataclass(frozen=True)
class User:
    session_id: str
    username: str
    role: str
    region: str
    access_token: str
    csrf: str

    @property
    def writes(self) -> bool:
        return self.role in ("operator", "admin")


def _claims(access_token: str) -> dict[str, Any]:
    # The token came straight from the registry over this process's own connection; every service
    # verifies its signature on each call. Here it only names the user, role and region.
    return jwt.decode(access_token, options={"verify_signature": False})


def _session_data(tokens: dict[str, Any], check_seconds: int, csrf: str | None = None) -> dict[str, Any]:
    claims = _claims(tokens["access_token"])
    return {"username": claims["sub"], "role": claims["role"], "region": claims.get("region", ""),
            "access": tokens["access_token"], "refresh": tokens["refresh_token"],
            "renew_at": time.time() + min(check_seconds, max(5, tokens["expires_in"] - 60)),
            "csrf": csrf or secrets.token_urlsafe(24)}


async def login(apis: Apis, sessions: Sessions, username: str, password: str, client: str, *,
                check_seconds: int) -> str:
    """A new session's id; ApiProblem (401 wrong password, 429 locked, 422 missing) otherwise."""
    tokens = await apis.registry.post("/auth/token", None, data={"username": username, "password": password},
                                      headers={"X-Forwarded-For": client})
    return await sessions.open(_session_data(tokens, check_seconds))


async def current(apis: Apis, sessions: Sessions, session_id: str | None, *, check_seconds: int) -> User | None:
    """The signed-in user of this session, its access token renewed when due; None when the
    session has ended (idle, logged out, or the registry refused the renewal)."""
    if not session_id:
        return None
    data = await sessions.get(session_id)
    if data is None:
        return None
    if time.time() >= data["renew_at"] and await sessions.lock_renewal(session_id):
        try:
            # read again under the lock: a request beside this one (a page and its letter preview)
            # may have renewed it since, and its refresh token is spent — using it would end the session
            data = await sessions.get(session_id)
            if data is None:
                return None
            if time.time() >= data["renew_at"]:
                try:
                    tokens = await apis.registry.post("/auth/token", None, data={"grant_type": "refresh_token",
                                                                                 "refresh_token": data["refresh"]})
                except ApiProblem as e:
                    if e.status in (401, 422):
                        await sessions.end(session_id)
                        return None
                    raise
                data = _session_data(tokens, check_seconds, csrf=data["csrf"])
                await sessions.save(session_id, data)  # before the lock goes: the next one reads it
        finally:
            await sessions.unlock_renewal(session_id)
    return User(session_id=session_id, username=data["username"], role=data["role"], region=data["region"],
                access_token=data["access"], csrf=data["csrf"])


async def logout(sessions: Sessions, session_id: str | None) -> None:
    if session_id:
        await sessions.end(session_id)


async def change_password(apis: Apis, sessions: Sessions, user: User, current_password: str, new_password: str) -> None:
    """The registry ends every session of the account, this one too: the user signs in again."""
    await apis.registry.call("POST", "/auth/password", user.access_token,
                             json={"current_password": current_password, "new_password": new_password})
    await sessions.end(user.session_id)


async def setup_state(apis: Apis) -> dict[str, bool]:
    """Whether the installation still needs its first admin (and has a setup code for it)."""
    return await apis.registry.get("/auth/setup", None)


async def first_admin(apis: Apis, sessions: Sessions, *, code: str, username: str, full_name: str, password: str,
                      client: str, check_seconds: int) -> str:
    """Creates the first admin with the setup code and signs them in: the new session's id."""
    await apis.registry.post("/auth/setup", None, json={"code": code, "username": username, "full_name": full_name,
                                                        "password": password},
                             headers={"X-Forwarded-For": client})
    return await login(apis, sessions, username, password, client, check_seconds=check_seconds)
