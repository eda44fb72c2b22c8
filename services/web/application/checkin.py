"""Check-in at the door: the kegiatan, its live count, a participant found by name, and the
check-in itself — by the participant's QR code (scanned or typed) or picked from the name search."""

from __future__ import annotations

import asyncio
from typing import Any

from services.web.adapters.apis import Apis
from services.web.application.session import User


async def desk(apis: Apis, user: User, kegiatan_id: str, q: str | None) -> dict[str, Any]:
    token = user.access_token
    kegiatan, attendance = await asyncio.gather(apis.events.get(f"/kegiatan/{kegiatan_id}", token),
                                                apis.events.get(f"/kegiatan/{kegiatan_id}/attendance", token))
    found = None
    if q and len(q.strip()) >= 2:
        found = (await apis.events.get(f"/kegiatan/{kegiatan_id}/participants", token,
                                       params={"q": q.strip(), "limit": 20}))["items"]
    return {"kegiatan": kegiatan, "attendance": attendance, "found": found}


async def check_in(apis: Apis, user: User, kegiatan_id: str, *, token: str | None,
                   participant_id: str | None) -> dict[str, Any]:
    body = {"token": token} if token else {"participant_id": participant_id}
    return await apis.events.post(f"/kegiatan/{kegiatan_id}/check-ins", user.access_token, json=body)
