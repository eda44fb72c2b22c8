"""Check-in at the door: the kegiatan, its live count, a participant found by name, and the
check-in itself — by the participant's QR code (scanned or typed) or picked from the name search."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from services.web.adapters.apis import Apis
from services.web.application.session import User
from services.web.domain import kegiatan as domain


async def desk(apis: Apis, user: User, kegiatan_id: str, q: str | None) -> dict[str, Any]:
    """The desk: the kegiatan with its count (``count``), and the participants found by name."""
    found = None
    if q and len(q.strip()) >= 2:
        found = (await apis.events.get(f"/kegiatan/{kegiatan_id}/participants", user.access_token,
                                       params={"q": q.strip(), "limit": 20}))["items"]
    return {**await count(apis, user, kegiatan_id), "found": found}


def today_of(kegiatan: dict[str, Any]) -> dict[str, Any]:
    """The kegiatan's days, and which of them a check-in now counts for, in its venue's zone (a
    three-day training counts each morning's check-ins apart)."""
    days = domain.days_of(kegiatan)
    today = dt.datetime.now(domain.zone(kegiatan["venue"]["region"])).date()
    today = min(max(today, days[0]), days[-1])  # the eve of a start just after midnight counts as its first day
    return {"days": days, "desk_day": today.isoformat(), "day_number": days.index(today) + 1}


async def count(apis: Apis, user: User, kegiatan_id: str) -> dict[str, Any]:
    """The kegiatan, its attendance, and which of its days today is."""
    token = user.access_token
    kegiatan, attendance = await asyncio.gather(apis.events.get(f"/kegiatan/{kegiatan_id}", token),
                                                apis.events.get(f"/kegiatan/{kegiatan_id}/attendance", token))
    return {"kegiatan": kegiatan, "attendance": attendance, **today_of(kegiatan)}


async def walk_in(apis: Apis, user: User, kegiatan_id: str, name: str, institution: str | None, people: int) -> dict[str, Any]:
    return await apis.events.post(f"/kegiatan/{kegiatan_id}/walk-ins", user.access_token,
                                  json={"name": name, "institution": institution, "people": people})


async def check_in(apis: Apis, user: User, kegiatan_id: str, *, token: str | None,
                   participant_id: str | None) -> dict[str, Any]:
    body = {"token": token} if token else {"participant_id": participant_id}
    return await apis.events.post(f"/kegiatan/{kegiatan_id}/check-ins", user.access_token, json=body)
