"""Accounts and office settings for an office's admin: the registry decides every scope and rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.web.adapters.apis import ApiProblem, Apis
from services.web.application.session import User
from shared import regions


async def users(apis: Apis, user: User, *, region: str | None, active: bool | None, cursor: str | None) -> dict[str, Any]:
    return await apis.registry.get("/users", user.access_token, params={"region": region, "active": active,
                                                                         "cursor": cursor, "limit": 50})


async def account(apis: Apis, user: User, username: str) -> dict[str, Any]:
    return await apis.registry.get(f"/users/{username}", user.access_token)


async def create(apis: Apis, user: User, fields: dict[str, Any]) -> dict[str, Any]:
    return await apis.registry.post("/users", user.access_token, json=fields)


async def change(apis: Apis, user: User, username: str, fields: dict[str, Any]) -> dict[str, Any]:
    return (await apis.registry.call("PATCH", f"/users/{username}", user.access_token, json=fields)).json()


async def reset_password(apis: Apis, user: User, username: str, password: str) -> None:
    await apis.registry.call("POST", f"/users/{username}/password", user.access_token, json={"password": password})


async def unlock(apis: Apis, user: User, username: str) -> None:
    await apis.registry.call("POST", f"/users/{username}/unlock", user.access_token)


async def office(apis: Apis, user: User, region: str) -> dict[str, Any] | None:
    """The office's settings; None when they were never written."""
    try:
        return await apis.registry.get(f"/offices/{region}", user.access_token)
    except ApiProblem as e:
        if e.status == 404:
            return None
        raise


async def save_office(apis: Apis, user: User, region: str, fields: dict[str, Any]) -> dict[str, Any]:
    return (await apis.registry.call("PUT", f"/offices/{region}", user.access_token, json=fields)).json()


async def letter_preview(apis: Apis, user: User, office: dict[str, Any] | None, today: dt.date) -> bytes:
    """An invitation letter of this office as notifications writes it (PDF), for a sample kegiatan."""
    office = office or {}
    region = user.region or "31"  # the national office: a sample venue in Jakarta
    zone = regions.zone_of(region)
    tz = regions.ZONES[zone]
    start = dt.datetime.combine(today + dt.timedelta(days=14), dt.time(9, 0), tz).astimezone(dt.UTC)
    place = regions.get(region).name if regions.get(region) else "Jakarta"
    kegiatan = {
        "title": "Fasilitasi Pemberdayaan Ormas dan LSM (contoh)", "type": "fasilitasi", "region": user.region or None,
        "theme": "Contoh surat undangan dengan pengaturan kantor Anda", "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=6)).isoformat(),
        "venue": {"name": "Aula kantor", "region": region, "zone": zone},
        "organiser": {"name": office.get("name") or "Badan Kesatuan Bangsa dan Politik", "region": region,
                      "address": office.get("address")},
        "letter": {"number": "005/001/CONTOH/" + str(today.year), "nature": "Biasa", "attachment": "-",
                   "subject": "Undangan", "signatory_name": office.get("head_name"),
                   "signatory_title": office.get("head_title"), "signatory_nip": office.get("head_nip"),
                   "place": place, "date": today.isoformat()}}
    r = await apis.notifications.call("POST", "/preview", user.access_token, json={"kegiatan": kegiatan, "format": "pdf"})
    return r.content


async def save_image(apis: Apis, user: User, region: str, name: str, filename: str, data: bytes,
                     content_type: str) -> None:
    """The office's ``logo`` or ``signature`` image."""
    await apis.registry.call("PUT", f"/offices/{region}/{name}", user.access_token,
                             files={"file": (filename, data, content_type)})


async def remove_image(apis: Apis, user: User, region: str, name: str) -> None:
    await apis.registry.call("DELETE", f"/offices/{region}/{name}", user.access_token)


async def image(apis: Apis, user: User, region: str, name: str):
    """The image's bytes and media type (ApiProblem 404 when there is none)."""
    r = await apis.registry.call("GET", f"/offices/{region}/{name}", user.access_token)
    return r.content, r.headers.get("content-type", "application/octet-stream")
