"""Compiled reports as the pages need them: the office's own (requested, followed, sent up) and
those the offices below sent to it (acknowledged)."""

from __future__ import annotations

import asyncio
from typing import Any

from services.web.adapters.apis import Apis
from services.web.application.session import User


async def overview(apis: Apis, user: User) -> dict[str, Any]:
    own, inbox = await asyncio.gather(apis.reporting.get("/reports", user.access_token, params={"limit": 20}),
                                      apis.reporting.get("/reports/inbox", user.access_token, params={"limit": 20}))
    mine = [r for r in own["items"] if r["region"] == user.region]
    return {"own": mine, "inbox": inbox["items"], "running": any(r["status"] in ("queued", "running") for r in mine)}


async def request(apis: Apis, user: User, period: str, refresh: bool) -> dict[str, Any]:
    return await apis.reporting.post("/reports", user.access_token, json={"period": period, "refresh": refresh})


async def submit(apis: Apis, user: User, report_id: str) -> dict[str, Any]:
    return await apis.reporting.post(f"/reports/{report_id}/submission", user.access_token)


async def acknowledge(apis: Apis, user: User, report_id: str) -> dict[str, Any]:
    return await apis.reporting.post(f"/reports/{report_id}/acknowledgement", user.access_token)
