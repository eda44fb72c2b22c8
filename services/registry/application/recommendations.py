"""Recommendation requests: another department (perangkat daerah, role ``opd``) asks the office which
ormas to involve in its work, by bidang (article 002); the office answers with ormas of its book and
a note. A department sees its own requests; an office those addressed to its region and below."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from services.registry.adapters.recommendations import Requests
from services.registry.adapters.repository import OrmasRepository
from shared import errors, regions
from shared.auth import Principal

MAX_ANSWERED = 50


async def ask(requests: Requests, principal: Principal, body: Mapping[str, Any]) -> dict[str, Any]:
    doc = {"_id": uuid.uuid4().hex[:12], "region": principal.region, "by": principal.subject,
           "department": body["department"], "subject": body["subject"], "bidang": body.get("bidang") or [],
           "needed_by": body.get("needed_by").isoformat() if body.get("needed_by") else None,
           "status": "open", "answer": None, "created_at": dt.datetime.now(dt.UTC)}
    await requests.insert(doc)
    return doc


async def listed(requests: Requests, principal: Principal, status: str | None) -> list[dict[str, Any]]:
    query: dict[str, Any] = {"by": principal.subject} if principal.role == "opd" else (
        {"region": {"$regex": regions.prefix_regex(principal.region)}} if principal.region else {})
    if status:
        query["status"] = status
    return await requests.of(query)


async def answer(requests: Requests, ormas: OrmasRepository, principal: Principal, request_id: str,
                 ormas_ids: list[str], note: str) -> dict[str, Any]:
    doc = await requests.get(request_id)
    if doc is None or not principal.can_write(doc["region"]):
        raise errors.NotFound("no such request to your office")
    if doc["status"] != "open":
        raise errors.Conflict("this request was answered already")
    found = {d["_id"]: d for d in await ormas.by_ids(ormas_ids[:MAX_ANSWERED])}
    missing = [i for i in ormas_ids if i not in found or not principal.can_see(found[i]["region"])]
    if missing:
        raise errors.Invalid("not ormas of your book", errors=[{"field": "ormas_ids", "message": f"unknown: {missing[0]}"}])
    chosen = [{"id": i, "name": found[i]["name"], "email": found[i].get("email"), "phone": found[i].get("phone"),
               "whatsapp": found[i].get("whatsapp")} for i in ormas_ids]
    new = await requests.answer(request_id, {"ormas": chosen, "note": note, "by": principal.subject,
                                             "at": dt.datetime.now(dt.UTC)})
    if new is None or new["status"] != "answered" or new["answer"]["by"] != principal.subject:
        raise errors.Conflict("this request was answered meanwhile")
    return new
