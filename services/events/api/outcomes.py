"""What a kegiatan produced: its minutes (notulen) and the aspirations or recommendations raised,
each with who raised it, the topic, the follow-up owner and the follow-up's status."""

from __future__ import annotations

from fastapi import APIRouter, Header, Response
from pydantic import Field

from services.events.api.kegiatan import KegiatanOut, _etag, out
from services.events.application import outcomes as use
from services.events.deps import KegiatanStore, Relay, Writer
from shared.text import Input

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


@router.put("/kegiatan/{kegiatan_id}/minutes", response_model=KegiatanOut)
async def put_minutes(kegiatan_id: str, body: MinutesIn, response: Response, principal: Writer, kegiatan: KegiatanStore,
                      relay: Relay, if_match: str | None = Header(default=None)) -> KegiatanOut:
    new = await use.record_minutes(kegiatan, relay, principal, kegiatan_id, body.text, if_match)
    _etag(response, new)
    return out(new)


@router.post("/kegiatan/{kegiatan_id}/aspirations", status_code=201, response_model=KegiatanOut)
async def add_aspiration(kegiatan_id: str, body: AspirationIn, response: Response, principal: Writer,
                         kegiatan: KegiatanStore, relay: Relay, if_match: str | None = Header(default=None)) -> KegiatanOut:
    new, item = await use.add_aspiration(kegiatan, relay, principal, kegiatan_id, topic=body.topic, text=body.text,
                                         raised_by=body.raised_by, raised_by_ormas_id=body.raised_by_ormas_id,
                                         follow_up_owner=body.follow_up_owner, if_match=if_match)
    response.headers["Location"] = f"/kegiatan/{kegiatan_id}/aspirations/{item['id']}"
    _etag(response, new)
    return out(new)


@router.patch("/kegiatan/{kegiatan_id}/aspirations/{aspiration_id}", response_model=KegiatanOut)
async def follow_up(kegiatan_id: str, aspiration_id: str, body: FollowUpIn, response: Response, principal: Writer,
                    kegiatan: KegiatanStore, relay: Relay, if_match: str | None = Header(default=None)) -> KegiatanOut:
    """Moves an aspiration's follow-up: open → in_progress → done | declined (done and declined
    need a note saying how)."""
    new = await use.follow_up(kegiatan, relay, principal, kegiatan_id, aspiration_id, status=body.status,
                              note=body.note, owner=body.follow_up_owner, if_match=if_match)
    _etag(response, new)
    return out(new)
