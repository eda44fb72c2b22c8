"""Use cases after a kegiatan has begun: its minutes, the aspirations raised and their follow-up.
Each change and its event are one write of the kegiatan; the relay publishes the event."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from services.events import changes
from services.events.adapters.store import KegiatanRepository
from services.events.application.kegiatan import writable
from services.events.domain import kegiatan as domain
from shared import errors
from shared.auth import Principal
from shared.outbox import OutboxRelay

MAX_ASPIRATIONS = 500


async def _change(kegiatan: KegiatanRepository, relay: OutboxRelay, kegiatan_id: str, version: int, fields: dict,
                  history: dict, events: list, extra: dict | None = None) -> dict[str, Any]:
    new = await kegiatan.change(kegiatan_id, version, fields, history, events, extra=extra)
    if new is None:
        raise errors.StaleVersion("the kegiatan changed meanwhile; reload and retry")
    if events:
        relay.wake("kegiatan", kegiatan_id)
    return new


async def record_minutes(kegiatan: KegiatanRepository, relay: OutboxRelay, principal: Principal, kegiatan_id: str,
                         text: str, if_match: str | None) -> dict[str, Any]:
    doc, version = await writable(kegiatan, principal, kegiatan_id, if_match)
    domain.check_outcomes_allowed(doc)  # IllegalStep: 409 transition-not-allowed
    now = dt.datetime.now(dt.UTC)
    return await _change(kegiatan, relay, kegiatan_id, version, {"minutes": text.strip(), "updated_at": now},
                         {"at": now, "by": principal.subject, "action": "minutes_recorded"}, [])


async def add_aspiration(kegiatan: KegiatanRepository, relay: OutboxRelay, principal: Principal, kegiatan_id: str, *,
                         topic: str, text: str, raised_by: str, raised_by_ormas_id: str | None,
                         follow_up_owner: str | None, if_match: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The kegiatan after the aspiration was recorded, and the aspiration."""
    doc, version = await writable(kegiatan, principal, kegiatan_id, if_match)
    domain.check_outcomes_allowed(doc)
    now = dt.datetime.now(dt.UTC)
    item = domain.aspiration(aspiration_id=uuid.uuid4().hex[:12], topic=topic, text=text, raised_by=raised_by,
                             raised_by_ormas_id=raised_by_ormas_id, follow_up_owner=follow_up_owner, at=now,
                             by=principal.subject)
    if len(doc.get("aspirations") or []) >= MAX_ASPIRATIONS:
        raise errors.Conflict(f"a kegiatan records at most {MAX_ASPIRATIONS} aspirations")
    after = {**doc, "version": version + 1}
    event = changes.kegiatan_event("aspiration_recorded", after, {"aspiration": domain.public_aspiration(item)})
    new = await _change(kegiatan, relay, kegiatan_id, version, {"updated_at": now},
                        {"at": now, "by": principal.subject, "action": "aspiration_recorded", "aspiration": item["id"]},
                        [event], extra={"$push": {"aspirations": item}})
    return new, item


async def follow_up(kegiatan: KegiatanRepository, relay: OutboxRelay, principal: Principal, kegiatan_id: str,
                    aspiration_id: str, *, status: str, note: str | None, owner: str | None,
                    if_match: str | None) -> dict[str, Any]:
    """Moves an aspiration's follow-up: open → in_progress → done | declined (done and declined
    need a note saying how)."""
    doc, version = await writable(kegiatan, principal, kegiatan_id, if_match)
    items = doc.get("aspirations") or []
    index = next((i for i, a in enumerate(items) if a["id"] == aspiration_id), None)
    if index is None:
        raise errors.NotFound("no such aspiration")
    now = dt.datetime.now(dt.UTC)
    item = domain.follow_up(items[index], status=status, note=note, owner=owner, at=now, by=principal.subject)
    after = {**doc, "version": version + 1}
    event = changes.kegiatan_event("aspiration_updated", after, {"aspiration": domain.public_aspiration(item)})
    return await _change(kegiatan, relay, kegiatan_id, version, {f"aspirations.{index}": item, "updated_at": now},
                         {"at": now, "by": principal.subject, "action": "aspiration_updated",
                          "aspiration": aspiration_id, "status": status}, [event])
