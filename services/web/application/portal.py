"""The ormas portal's calls, with the officer's own token (each service answers an ormas account
only about its own ormas), and the office's invitation of an officer."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from services.web.adapters.apis import Apis
from services.web.application.ormas import _optional
from services.web.application.session import User


async def overview(apis: Apis, user: User) -> dict[str, Any]:
    ormas, invitations, activity, certificates, engagement = await asyncio.gather(
        apis.registry.get("/portal/ormas", user.access_token), apis.events.get("/portal/invitations", user.access_token),
        apis.registry.get("/portal/activity-reports", user.access_token),
        apis.notifications.get("/portal/certificates", user.access_token),
        _optional(apis.reporting.get("/portal/engagement", user.access_token)))
    return {"ormas": ormas, "invitations": invitations, "activity": activity, "certificates": certificates,
            "engagement": engagement}


async def certificate(apis: Apis, user: User, participant_id: str) -> bytes:
    """One of the ormas's certificates, written and signed by notifications (ApiProblem 404 for any
    other)."""
    r = await apis.notifications.call("GET", f"/portal/certificates/{quote(participant_id, safe='')}",
                                      user.access_token)
    return r.content


async def answer(apis: Apis, user: User, participant_id: str, values: Mapping[str, Any], delegates: list[str]) -> dict:
    attending = values.get("attending") == "yes"
    body = {"attending": attending, "delegates": [d.strip() for d in delegates if d.strip()] if attending else [],
            "reason": (values.get("reason") or "").strip() or None}
    return await apis.events.post(f"/portal/invitations/{quote(participant_id, safe='')}/answer", user.access_token,
                                  json=body)


async def report(apis: Apis, user: User, body: Mapping[str, Any]) -> dict[str, Any]:
    return await apis.earlywarning.post("/reports", user.access_token, json=body)


async def activate(apis: Apis, token: str, password: str) -> str:
    """The account's username, once its password is set from the link."""
    return (await apis.registry.post("/auth/activation", None, json={"token": token, "password": password}))["username"]


async def invite(apis: Apis, user: User, ormas_id: str, full_name: str) -> dict[str, Any]:
    return await apis.registry.post(f"/ormas/{quote(ormas_id, safe='')}/account", user.access_token,
                                    json={"full_name": full_name})


def whatsapp_link(number: str | None, text: str) -> str | None:
    """A wa.me link that opens WhatsApp with the message written (the office sends it itself)."""
    digits = "".join(c for c in number or "" if c.isdigit())
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return f"https://wa.me/{digits}?text={quote(text)}" if digits else None
