"""An ormas's own certificates of attendance (the portal): from this service's copies of its
invitations, the days each was present, and each kegiatan's current type, time and status — the
rule of ``shared/attendance.py``, as the events service applies it to the office's list."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import Any

from services.notifications.adapters.inbox import Messages
from shared import attendance


@dataclasses.dataclass(frozen=True)
class Earned:
    participant_id: str
    kegiatan: dict[str, Any]  # as the invitation letter has it, at the kegiatan's current time
    name: str
    institution: str | None
    number: str


async def own(messages: Messages, ormas_id: str) -> list[Earned]:
    invitations = await messages.invitations_of_ormas(ormas_id)
    ids = sorted({p["invited"]["kegiatan_id"] for p in invitations})
    kegiatan = dict(zip(ids, await asyncio.gather(*(messages.kegiatan_of(i) for i in ids)), strict=True))
    out = []
    for p in invitations:
        invited = p["invited"]
        k = kegiatan.get(invited["kegiatan_id"])
        if k is None or not attendance.earns(k.get("type") or "", k["status"]):
            continue
        days = attendance.days_of(dt.datetime.fromisoformat(k["starts_at"]), dt.datetime.fromisoformat(k["ends_at"]),
                                  k["zone"])
        if not attendance.present_every_day(p.get("attendance"), days):
            continue
        letter = invited["change"]["kegiatan"]
        out.append(Earned(
            participant_id=p["_id"], name=invited["name"],
            kegiatan={**letter, "kegiatan_id": invited["kegiatan_id"], "region": k["region"], "title": k["title"],
                      "starts_at": k["starts_at"], "ends_at": k["ends_at"]},
            institution=(invited["change"].get("recipient") or {}).get("institution"),
            number=attendance.certificate_number((letter.get("letter") or {}).get("number"), invited["kegiatan_id"],
                                                 p["_id"])))
    return sorted(out, key=lambda e: e.kegiatan["starts_at"], reverse=True)
