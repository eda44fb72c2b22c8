"""The office's social-conflict team (tim terpadu): Forkopimda members and officials who receive the
alerts in a closed channel. A member may be a user of the platform (``user``) or only a contact."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from services.earlywarning.adapters.store import Team
from shared import errors
from shared.auth import Principal

FIELDS = ("name", "position", "institution", "email", "whatsapp", "phone", "user", "head", "verifier")


async def add(team: Team, principal: Principal, body: Mapping[str, Any]) -> dict[str, Any]:
    region = principal.region if body.get("region") is None else body["region"]
    if not principal.can_write(region) or len(region.split(".")) > 2:
        raise errors.OutOfScope(f"region {region} is not your office")
    if not any(body.get(c) for c in ("email", "whatsapp", "phone")):
        raise errors.Invalid("a member needs an e-mail address, a WhatsApp number or a phone number",
                             errors=[{"field": "email", "message": "one contact is required"}])
    doc = {"_id": uuid.uuid4().hex[:12], "region": region, "active": True, "created_at": dt.datetime.now(dt.UTC),
           **{k: body.get(k) for k in FIELDS}}
    doc["head"], doc["verifier"] = bool(doc["head"]), bool(doc["verifier"])
    await team.insert(doc)
    return doc


async def change(team: Team, principal: Principal, member_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    member = await team.get(member_id)
    if member is None or not principal.can_write(member["region"]):
        raise errors.NotFound("no such team member")
    fields = {k: v for k, v in body.items() if k in (*FIELDS, "active")}
    cleared = [k for k in ("name", "head", "verifier", "active") if k in fields and fields[k] is None]
    if cleared:
        raise errors.Invalid(f"{cleared[0]} cannot be emptied", errors=[{"field": k, "message": "cannot be null"}
                                                                         for k in cleared])
    merged = {**member, **fields}
    if not any(merged.get(c) for c in ("email", "whatsapp", "phone")):
        raise errors.Invalid("a member needs an e-mail address, a WhatsApp number or a phone number",
                             errors=[{"field": "email", "message": "one contact is required"}])
    return await team.update(member_id, fields)
