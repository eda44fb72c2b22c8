"""What an office asks of notifications by hand (the API's use cases; the worker's are in
``delivery.py``): remind chosen invitees now, beside the automatic reminders."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence

from services.notifications.adapters.inbox import Messages
from services.notifications.domain import messages
from shared import errors, regions
from shared.auth import Principal


@dataclasses.dataclass(frozen=True)
class Reminded:
    queued: int  # messages queued now
    already_today: int  # invitees reminded by hand earlier today (once a day each)
    answered: int  # invitees who answered meanwhile: not reminded
    unreachable: int  # invitees with no contact


async def remind(store: Messages, enqueue: Callable[[list[str]], None], principal: Principal, kegiatan_id: str,
                 participant_ids: Sequence[str], now: dt.datetime) -> Reminded:
    """A reminder, on the channels of each one's invitation, to the chosen invitees who have not
    answered. Its message id carries the day in the kegiatan's zone: a second click the same day
    sends nothing twice."""
    k = await store.kegiatan_of(kegiatan_id)
    invited = await store.invitations(kegiatan_id, list(dict.fromkeys(participant_ids)))
    region = invited[0]["invited"]["kegiatan_region"] if invited else None
    if k is None or not invited or not principal.can_write(region):
        # another office's kegiatan looks like none; so do invitees whose invitations are not here yet
        raise errors.NotFound("no invitation of these participants in this kegiatan (yet)")
    if k.get("status") not in ("published", "rescheduled"):
        raise errors.Conflict(f"reminders go before a kegiatan takes place; this one is {k.get('status')}",
                              current_status=k.get("status"))
    zone = regions.ZONES[regions.zone_of(region) if region else "WIB"]
    day = now.astimezone(zone).date().isoformat()
    queued, already, answered, unreachable = [], 0, 0, 0
    for p in invited:
        if p.get("attending") is not None:
            answered += 1
            continue
        docs = messages.for_notice(p["invited"], "reminder", now, kegiatan=k, variant=f":{day}")
        if not docs:
            unreachable += 1
            continue
        new = [d["_id"] for d in docs if await store.insert_if_new(d)]
        already += not new
        queued += new
    if queued:
        await asyncio.to_thread(enqueue, queued)
    return Reminded(len(queued), already, answered, unreachable)
