"""The web application's dependencies, as Annotated aliases (``bootstrap.py`` wires the
components onto the app; this module is the only other reader of ``app.state``)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from services.web.adapters.apis import Apis as ApisAdapter
from services.web.adapters.sessions import Sessions as SessionsAdapter
from services.web.application import session
from services.web.application.session import User
from services.web.settings import Settings
from shared.web import component

COOKIE = "kesbang_sesi"


class SignInNeeded(Exception):
    """No live session: the page answers with the login page (and says a session ended)."""

    def __init__(self, expired: bool):
        self.expired = expired


class BadCsrf(Exception):
    """A write whose form token is missing or not the session's."""


class NotForRole(Exception):
    """A page of the office asked by an ormas officer or another department (each has its own pages;
    the services would refuse the calls anyway)."""


# the pages each limited role has (and the account's own: password, logout, home's redirect)
LIMITED_PAGES = {"ormas": ("/portal",), "opd": ("/rekomendasi",)}
OWN_PAGES = ("/beranda", "/akun/", "/keluar")


Apis = Annotated[ApisAdapter, Depends(component("apis"))]
Sessions = Annotated[SessionsAdapter, Depends(component("sessions"))]
Config = Annotated[Settings, Depends(component("settings"))]


async def signed_in(request: Request, apis: Apis, sessions: Sessions, config: Config) -> User:
    sid = request.cookies.get(COOKIE)
    user = await session.current(apis, sessions, sid, check_seconds=config.session_check_seconds)
    if user is None:
        raise SignInNeeded(expired=bool(sid))
    request.state.user = user
    allowed = LIMITED_PAGES.get(user.role)
    if allowed is not None and not request.url.path.startswith((*allowed, *OWN_PAGES)):
        raise NotForRole()
    return user


async def checked_write(request: Request, user: Annotated[User, Depends(signed_in)]) -> User:
    """A signed-in user whose write carries the session's CSRF token (form field or htmx header)."""
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, user.csrf):
        raise BadCsrf()
    return user


CurrentUser = Annotated[User, Depends(signed_in)]
Writer = Annotated[User, Depends(checked_write)]
