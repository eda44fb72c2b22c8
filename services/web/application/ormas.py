"""The ormas book as the pages need it: each use case calls the APIs with the user's token and
gathers what one page shows. Every decision (scope, role, lifecycle) stays with the services."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from services.web.adapters.apis import ApiProblem, Apis
from services.web.application.session import User

FILTERS = ("q", "region", "kind", "legal_form", "bidang", "status", "skt_valid_on", "skt_expiring_before", "sort",
           "cursor")
PAGE = 25


async def search(apis: Apis, user: User, filters: dict[str, Any]) -> dict[str, Any]:
    params = {k: filters.get(k) for k in FILTERS}
    return await apis.registry.get("/ormas", user.access_token, params={**params, "limit": PAGE})


async def export(apis: Apis, user: User, filters: dict[str, Any], fmt: str):
    """The registry's export of what the search shows (its filters that the export takes)."""
    params = {k: filters.get(k) for k in ("region", "kind", "legal_form", "status", "skt_valid_on")}
    return await apis.registry.call("GET", "/ormas/export", user.access_token, params={**params, "format": fmt})


async def _optional(coro) -> Any:
    """A part of a page that may be missing (another service away) without failing the page."""
    try:
        return await coro
    except ApiProblem:
        return None


async def detail(apis: Apis, user: User, ormas_id: str) -> dict[str, Any]:
    """The ormas (ApiProblem 404 when the user may not see it) with its history, board, documents
    and engagement."""
    ormas = await apis.registry.get(f"/ormas/{ormas_id}", user.access_token)
    history, board, documents, engagement = await asyncio.gather(
        _optional(apis.registry.get(f"/ormas/{ormas_id}/history", user.access_token)),
        _optional(apis.registry.get(f"/ormas/{ormas_id}/officers", user.access_token)),
        _optional(apis.registry.get(f"/ormas/{ormas_id}/documents", user.access_token)),
        _optional(apis.reporting.get(f"/stats/ormas/{ormas_id}/engagement", user.access_token)))
    return {"ormas": ormas, "history": history, "board": board, "documents": documents, "engagement": engagement}


async def create(apis: Apis, user: User, fields: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    """The recorded ormas, with its near matches in ``warnings``."""
    return await apis.registry.post("/ormas", user.access_token, json=fields,
                                    headers={"Idempotency-Key": idempotency_key})


async def update(apis: Apis, user: User, ormas_id: str, version: int, fields: dict[str, Any]) -> dict[str, Any]:
    r = await apis.registry.call("PATCH", f"/ormas/{ormas_id}", user.access_token, json=fields,
                                 headers={"If-Match": f'"{version}"'})
    return r.json()


async def transition(apis: Apis, user: User, ormas_id: str, version: int, step: dict[str, Any]) -> dict[str, Any]:
    return await apis.registry.post(f"/ormas/{ormas_id}/transitions", user.access_token, json=step,
                                    headers={"If-Match": f'"{version}"'})


async def upload_document(apis: Apis, user: User, ormas_id: str, kind: str, number: str | None, filename: str,
                          content: bytes, content_type: str) -> dict[str, Any]:
    return await apis.registry.post(f"/ormas/{ormas_id}/documents", user.access_token,
                                    data={k: v for k, v in {"type": kind, "number": number}.items() if v},
                                    files={"file": (filename, content, content_type)})


async def home(apis: Apis, user: User, today: dt.date) -> dict[str, Any]:
    """What needs doing today in the user's region: applications waiting, field visits due,
    warnings past their deadline, SKTs ending within 30 days, the ormas figures, the kegiatan of
    the coming week, invitations that did not arrive (this month and last), and reports ready."""
    token = user.access_token
    since = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")  # last month and this one
    waiting, ending, figures, kegiatan, work, reports, period, inbox, asked, changes = await asyncio.gather(
        _optional(apis.registry.get("/ormas", token, params={"status": ["submitted", "in_verification"],
                                                              "sort": "name", "limit": 10})),
        _optional(apis.registry.get("/ormas", token, params={
            "status": ["registered", "expiring"], "skt_expiring_before": (today + dt.timedelta(days=30)).isoformat(),
            "limit": 10})),
        _optional(apis.reporting.get("/stats/ormas", token, params={"region": user.region or None})),
        _optional(apis.events.get("/kegiatan", token, params={"limit": 50})),
        _optional(apis.registry.get("/ormas/worklist", token)),
        _optional(apis.reporting.get("/reports", token, params={"limit": 5})),
        _optional(apis.reporting.get("/stats/kegiatan", token, params={"since": since})),
        _optional(apis.reporting.get("/reports/inbox", token, params={"limit": 20})),
        _optional(apis.registry.get("/recommendation-requests", token, params={"status": "open"})),
        _optional(apis.registry.get("/change-requests", token, params={"status": "pending"})))
    week_end = today + dt.timedelta(days=7)
    soon = [k for k in (kegiatan or {}).get("items", [])
            if k.get("status") in ("draft", "published", "rescheduled", "ongoing")
            and today.isoformat() <= (k.get("starts_at") or "")[:10] <= week_end.isoformat()]
    return {"waiting": (waiting or {}).get("items"), "ending": (ending or {}).get("items"), "figures": figures,
            "kegiatan": sorted(soon, key=lambda k: k["starts_at"]),
            "visits": (work or {}).get("field_visits_due"), "overdue": (work or {}).get("warnings_overdue"),
            "reports": [r for r in (reports or {}).get("items", []) if r["status"] == "done"],
            "incoming": [r for r in (inbox or {}).get("items", []) if not r["submission"]["acknowledged"]],
            "asked": asked or [], "changes": changes or [],
            "undelivered": sum(n for by in ((period or {}).get("deliveries") or {}).values()
                               for status, n in by.items() if status in ("failed", "unreachable"))}


async def registration_letter(apis: Apis, user: User, ormas_id: str) -> bytes:
    """The ormas's Surat Keterangan Terdaftar (or keberadaan) as notifications writes and signs it (ApiProblem 404
    for an ormas the user may not see, 422 for one without a registration or an office without a
    head)."""
    o = await apis.registry.get(f"/ormas/{ormas_id}", user.access_token)
    skt = o.get("skt") or {}
    address = o.get("address") or {}
    body = {"id": o["id"], "name": o["name"], "acronym": o.get("acronym"), "kind": o["kind"],
            "legal_form": o.get("legal_form"), "region": o["region"], "bidang": o.get("bidang") or [],
            "address": {"street": address.get("street"), "region": address.get("region")},
            "skt": {k: skt.get(k) for k in ("number", "issued_on", "valid_until", "issuer", "presence_number",
                                            "presence_issued_on")}}
    r = await apis.notifications.call("POST", "/registry-letters", user.access_token, json=body)
    return r.content
