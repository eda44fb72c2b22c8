"""What an ormas asks of its office from its portal — changes of its contacts and board, and the
renewal of its registration — kept as requests until the office approves them (a change applied
as the office's own edit, ``update`` and ``replace_board``, so the board history keeps the previous
board and the new one; a renewal as the lifecycle's ``renew``) or rejects them with a note."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from services.registry.adapters.change_requests import ChangeRequests
from services.registry.application import ormas as ormas_use
from services.registry.domain import officers as board_rules
from services.registry.domain.policy import ACTION_ROLES
from shared import errors, regions
from shared.auth import Forbidden, Principal

RENEWABLE = ("expiring", "expired")


def _dated(officer: Mapping[str, Any]) -> dict[str, Any]:
    """An officer as kept in a request (JSON) with its term's dates as dates again."""
    return {**officer, **{k: dt.date.fromisoformat(officer[k]) for k in ("term_start", "term_end")
                          if isinstance(officer.get(k), str)}}


async def ask(requests: ChangeRequests, ports: ormas_use.Ports, principal: Principal,
              body: Mapping[str, Any]) -> dict[str, Any]:
    doc = await ports.ormas.get(principal.ormas_id or "")
    if doc is None:
        raise errors.NotFound("the ormas of this account is gone")
    if body.get("renewal"):  # the registration's renewal, before (or after) it ends
        if doc["status"] not in RENEWABLE:
            raise errors.Conflict("a registration is renewed once its SKT is about to end or has ended",
                                  current_status=doc["status"])
        if await requests.of({"ormas_id": doc["_id"], "kind": "renewal", "status": "pending"}, limit=1):
            raise errors.Conflict("the renewal was asked for already and waits for the office")
    contacts = {k: v for k, v in (body.get("contacts") or {}).items() if v is not None}
    officers = body.get("officers")
    if not contacts and officers is None and not body.get("renewal"):
        raise errors.Invalid("ask for a change of contacts or of the board",
                             errors=[{"field": "contacts", "message": "nothing to change"}])
    if officers is not None:  # the board must be valid as the office would record it
        board_rules.board([board_rules.Officer(**_dated(o)) for o in officers], dt.date.today())
    now = dt.datetime.now(dt.UTC)
    req = {"_id": uuid.uuid4().hex[:12], "kind": "renewal" if body.get("renewal") else "change", "ormas_id": doc["_id"], "ormas_name": doc["name"], "region": doc["region"],
           "contacts": contacts or None, "officers": officers, "reason": body.get("reason"), "status": "pending",
           "requested_by": principal.subject, "requested_at": now, "decision": None}
    await requests.insert(req)
    return req


async def own(requests: ChangeRequests, principal: Principal) -> list[dict[str, Any]]:
    return await requests.of({"ormas_id": principal.ormas_id})


async def pending(requests: ChangeRequests, principal: Principal, status: str | None) -> list[dict[str, Any]]:
    query: dict[str, Any] = {"region": {"$regex": regions.prefix_regex(principal.region)}} if principal.region else {}
    if status:
        query["status"] = status
    return await requests.of(query)


async def decide(requests: ChangeRequests, ports: ormas_use.Ports, principal: Principal, request_id: str, *,
                 approve: bool, note: str | None, renew=None) -> dict[str, Any]:
    """``renew``: what renews a registration (the lifecycle's ``renew``, drawing the next SKT
    number); a renewal is decided by those who register (verifier, head, admin), a change by
    those who edit the book (operator, admin)."""
    req = await requests.get(request_id)
    if req is None or not principal.can_write(req["region"]):
        raise errors.NotFound("no such change request to your office")
    renewal = req.get("kind") == "renewal"
    if principal.role not in (ACTION_ROLES["renew"] if renewal else ("operator", "admin")):
        raise Forbidden(f"role {principal.role!r} may not decide this request")
    if req["status"] != "pending":
        raise errors.Conflict("this request was decided already")
    if approve and renewal:
        await renew(req["ormas_id"])
    elif approve:
        why = f"diajukan pengurus lewat portal ({req['requested_by']})" + (f": {req['reason']}" if req.get("reason") else "")
        if req.get("contacts"):
            await ormas_use.update(ports, principal, req["ormas_id"], req["contacts"], None)
        if req.get("officers") is not None:
            await ormas_use.replace_board(ports, principal, req["ormas_id"], [_dated(o) for o in req["officers"]],
                                          why[:500], None)
    decided = await requests.decide(request_id, "approved" if approve else "rejected",
                                    {"by": principal.subject, "at": dt.datetime.now(dt.UTC), "note": note})
    if decided is None:
        raise errors.Conflict("this request was decided meanwhile")
    return decided
