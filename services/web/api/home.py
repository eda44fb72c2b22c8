"""Beranda: what needs doing today in the user's region."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api.pages import WIB, render, see_other
from services.web.application import ormas as use
from services.web.deps import Apis, CurrentUser

router = APIRouter()


@router.get("/beranda")
async def home(request: Request, user: CurrentUser, apis: Apis) -> Response:
    if user.role == "ormas":  # an ormas officer's home is its portal
        return see_other("/portal")
    if user.role == "opd":  # another department's: the book's search and its requests
        return see_other("/rekomendasi")
    today = dt.datetime.now(WIB).date()
    return render(request, "home.html", today=today, **await use.home(apis, user, today))
