"""The early-warning pages' calls: the public intake (no token; each client address at most
``PUBLIC_REPORTS`` reports in ``PUBLIC_WINDOW`` seconds, the service limiting again per address),
the office's list, board, report page and steps, and the team."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from services.web.adapters.apis import Apis
from services.web.application.session import User
from shared import ratelimit

PUBLIC_REPORTS = 5
PUBLIC_WINDOW = 600
BOARD = ("kritis", "tinggi", "sedang", "rendah")
STEP_PATHS = {"verifikasi": "verification", "tolak": "verification", "tangani": "handling", "selesai": "resolution",
              "tindak-lanjut": "actions"}


async def may_report(redis, client: str) -> bool:
    return await ratelimit.within(redis, f"lapor:{client}", PUBLIC_REPORTS, PUBLIC_WINDOW)


async def send_public(apis: Apis, body: Mapping[str, Any], client: str) -> dict[str, Any]:
    return await apis.earlywarning.post("/public/reports", None, json=body, headers={"X-Forwarded-For": client})


async def send(apis: Apis, user: User, body: Mapping[str, Any]) -> dict[str, Any]:
    return await apis.earlywarning.post("/reports", user.access_token, json=body)


async def overview(apis: Apis, user: User, filters: Mapping[str, str]) -> dict[str, Any]:
    """The board (open reports by severity) and the filtered list."""
    t = user.access_token
    board, page = await asyncio.gather(
        apis.earlywarning.get("/reports", t, params={"open": "true", "limit": 200}),
        apis.earlywarning.get("/reports", t, params={**filters, "limit": 50}))
    columns = {s: [r for r in board["items"] if r["severity"] == s] for s in BOARD}
    return {"board": columns, "page": page}


async def report(apis: Apis, user: User, report_id: str) -> dict[str, Any]:
    t = user.access_token
    doc, team = await asyncio.gather(apis.earlywarning.get(f"/reports/{report_id}", t),
                                     apis.earlywarning.get("/team", t))
    kegiatan: list[dict[str, Any]] = []
    if "ditangani" in doc["allowed_steps"] or doc["status"] in ("diverifikasi", "ditangani"):
        try:  # the office's kegiatan, to link a follow-up action to
            kegiatan = (await apis.events.get("/kegiatan", t, params={"limit": 50}))["items"]
        except Exception:  # the list is a convenience: the id can be typed
            kegiatan = []
    return {"report": doc, "team": team, "kegiatan": kegiatan}


async def step(apis: Apis, user: User, report_id: str, version: str, name: str, values: Mapping[str, str]) -> dict:
    note = (values.get("note") or "").strip() or None
    if name == "tugaskan":
        return (await apis.earlywarning.call("PUT", f"/reports/{report_id}/assignee", user.access_token,
                                             json={"member_id": values.get("member_id", "")},
                                             headers={"If-Match": f'"{version}"'})).json()
    body: dict[str, Any] = {"note": note}
    if name in ("verifikasi", "tolak"):
        body["proven"] = name == "verifikasi"
        if name == "verifikasi" and values.get("severity"):
            body["severity"] = values["severity"]
    elif name == "tindak-lanjut":
        body = {"text": note or "", "kegiatan_id": (values.get("kegiatan_id") or "").strip() or None}
    elif name == "selesai":
        body = {"note": note or ""}
    return await apis.earlywarning.post(f"/reports/{report_id}/{STEP_PATHS[name]}", user.access_token, json=body,
                                        headers={"If-Match": f'"{version}"'})


async def team(apis: Apis, user: User) -> list[dict[str, Any]]:
    return await apis.earlywarning.get("/team", user.access_token)


async def add_member(apis: Apis, user: User, values: Mapping[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {k: (values.get(k) or "").strip() or None
                            for k in ("name", "position", "institution", "email", "whatsapp", "phone")}
    for k in ("whatsapp", "phone"):
        if body[k] and body[k].startswith("0"):  # 0812… as people write it
            body[k] = "+62" + body[k][1:]
    body["head"], body["verifier"] = values.get("head") == "1", values.get("verifier") == "1"
    return await apis.earlywarning.post("/team", user.access_token, json=body)


async def deactivate(apis: Apis, user: User, member_id: str) -> None:
    await apis.earlywarning.call("PATCH", f"/team/{member_id}", user.access_token, json={"active": False})


async def find_ormas(apis: Apis, user: User, q: str) -> list[dict[str, Any]]:
    return await apis.earlywarning.get("/ormas", user.access_token, params={"q": q})


async def photo(apis: Apis, user: User, report_id: str, photo_id: str):
    return await apis.earlywarning.call("GET", f"/reports/{report_id}/photos/{photo_id}", user.access_token)
