"""What a kegiatan produced: its minutes (notulen) and the aspirations or recommendations raised,
each with who raised it, the topic, the follow-up owner and the follow-up's status."""

from __future__ import annotations

import datetime as dt
import uuid

from fastapi import APIRouter, Header, Response
from pydantic import Field

from services.events import changes
from services.events.adapters.store import KegiatanRepository
from services.events.api.kegiatan import KegiatanOut, _etag, out
from services.events.application.kegiatan import writable
from services.events.deps import KegiatanStore, Relay, Writer
from shared.outbox import OutboxRelay
from services.events.domain import kegiatan as domain
from shared.text import Input
from shared.web import Conflict, NotFound, PreconditionFailed

router = APIRouter(tags=["outcomes"])


class MinutesIn(Input):
    multiline = frozenset({"text"})
    text: str = Field(min_length=1, max_length=100_000)


class AspirationIn(Input):
    multiline = frozenset({"text"})
    topic: str = Field(min_length=1, max_length=300)
    text: str = Field(default="", max_length=10_000)
    raised_by: str = Field(min_length=1, max_length=200, description="the person, and the ormas they speak for")
    raised_by_ormas_id: str | None = Field(default=None, max_length=100)
    follow_up_owner: str | None = Field(default=None, max_length=200, examples=["Bappeda Kota Pasuruan"])


class FollowUpIn(Input):
    multiline = frozenset({"note"})
    status: str = Field(examples=["in_progress"])
    note: str | None = Field(default=None, max_length=5_000)
    follow_up_owner: str | None = Field(default=None, max_length=200)


async def _change(kegiatan: KegiatanRepository, relay: OutboxRelay, kegiatan_id: str, version: int, fields: dict,
                  history: dict, events: list, extra: dict | None = None) -> dict:
    new = await kegiatan.change(kegiatan_id, version, fields, history, events, extra=extra)
    if new is None:
        raise PreconditionFailed("the kegiatan changed meanwhile; reload and retry")
    if events:
        relay.wake("kegiatan", kegiatan_id)
    return new


def _outcomes_allowed(doc: dict) -> None:
    domain.check_outcomes_allowed(doc)  # IllegalStep: 409 transition-not-allowed


@router.put("/kegiatan/{kegiatan_id}/minutes", response_model=KegiatanOut)
async def put_minutes(kegiatan_id: str, body: MinutesIn, response: Response, principal: Writer, kegiatan: KegiatanStore,
                      relay: Relay, if_match: str | None = Header(default=None)) -> KegiatanOut:
    doc, version = await writable(kegiatan, principal, kegiatan_id, if_match)
    _outcomes_allowed(doc)
    now = dt.datetime.now(dt.UTC)
    new = await _change(kegiatan, relay, kegiatan_id, version, {"minutes": body.text.strip(), "updated_at": now},
                        {"at": now, "by": principal.subject, "action": "minutes_recorded"}, [])
    _etag(response, new)
    return out(new)


@router.post("/kegiatan/{kegiatan_id}/aspirations", status_code=201, response_model=KegiatanOut)
async def add_aspiration(kegiatan_id: str, body: AspirationIn, response: Response, principal: Writer,
                         kegiatan: KegiatanStore, relay: Relay, if_match: str | None = Header(default=None)) -> KegiatanOut:
    doc, version = await writable(kegiatan, principal, kegiatan_id, if_match)
    _outcomes_allowed(doc)
    now = dt.datetime.now(dt.UTC)
    item = domain.aspiration(aspiration_id=uuid.uuid4().hex[:12], topic=body.topic, text=body.text,
                             raised_by=body.raised_by, raised_by_ormas_id=body.raised_by_ormas_id,
                             follow_up_owner=body.follow_up_owner, at=now, by=principal.subject)
    if len(doc.get("aspirations") or []) >= 500:
        raise Conflict("a kegiatan records at most 500 aspirations")
    after = {**doc, "version": version + 1}
    event = changes.kegiatan_event("aspiration_recorded", after, {"aspiration": domain.public_aspiration(item)})
    new = await _change(kegiatan, relay, kegiatan_id, version, {"updated_at": now},
                        {"at": now, "by": principal.subject, "action": "aspiration_recorded", "aspiration": item["id"]},
                        [event], extra={"$push": {"aspirations": item}})
    response.headers["Location"] = f"/kegiatan/{kegiatan_id}/aspirations/{item['id']}"
    _etag(response, new)
    return out(new)


@router.patch("/kegiatan/{kegiatan_id}/aspirations/{aspiration_id}", response_model=KegiatanOut)
async def follow_up(kegiatan_id: str, aspiration_id: str, body: FollowUpIn, response: Response, principal: Writer,
                    kegiatan: KegiatanStore, relay: Relay, if_match: str | None = Header(default=None)) -> KegiatanOut:
    """Moves an aspiration's follow-up: open → in_progress → done | declined (done and declined
    need a note saying how)."""
    doc, version = await writable(kegiatan, principal, kegiatan_id, if_match)
    items = doc.get("aspirations") or []
    index = next((i for i, a in enumerate(items) if a["id"] == aspiration_id), None)
    if index is None:
        raise NotFound("no such aspiration")
    now = dt.datetime.now(dt.UTC)
    item = domain.follow_up(items[index], status=body.status, note=body.note, owner=body.follow_up_owner,
                            at=now, by=principal.subject)
    after = {**doc, "version": version + 1}
    event = changes.kegiatan_event("aspiration_updated", after, {"aspiration": domain.public_aspiration(item)})
    new = await _change(kegiatan, relay, kegiatan_id, version, {f"aspirations.{index}": item, "updated_at": now},
                        {"at": now, "by": principal.subject, "action": "aspiration_updated", "aspiration": aspiration_id,
                         "status": body.status}, [event])
    _etag(response, new)
    return out(new)
