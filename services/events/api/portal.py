"""An ormas account's invitations (the portal): every invitation of its own ormas, and its answer —
the same RSVP as the letter's link, under the officer's account. No other participant is reached."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends

from services.events.api.public import RsvpIn, RsvpView, _answer, _view
from services.events.deps import Rsvp
from services.events.domain import participation
from shared import errors
from shared.auth import Principal
from shared.web import current_principal

router = APIRouter(tags=["portal"])
OrmasAccount = Annotated[Principal, Depends(current_principal(ormas="only"))]


@dataclasses.dataclass
class _Found:
    kegiatan: dict
    participant: dict


async def _own(ports, principal: Principal, participant_id: str) -> _Found:
    p = await ports.participants.get(participant_id)
    if p is None or p.get("ormas_id") != principal.ormas_id:
        raise errors.NotFound("no such invitation of your ormas")  # another ormas's looks like none
    k = await ports.kegiatan.get(p["kegiatan_id"])
    if k is None:
        raise errors.NotFound("no such invitation of your ormas")
    return _Found(k, p)


@router.get("/portal/invitations", response_model=list[RsvpView])
async def own_invitations(principal: OrmasAccount, ports: Rsvp) -> list[RsvpView]:
    """The ormas's invitations, the coming ones first."""
    found = [p async for p in ports.participants.coll.find({"ormas_id": principal.ormas_id}, {"_outbox": 0}).limit(200)]
    kegiatan = {k["_id"]: k for k in [await ports.kegiatan.get(kid) for kid in {p["kegiatan_id"] for p in found}] if k}
    pairs = sorted(((kegiatan[p["kegiatan_id"]], p) for p in found if p["kegiatan_id"] in kegiatan),
                   key=lambda kp: kp[0]["starts_at"], reverse=True)
    return [_view(ports, k, p) for k, p in pairs]


@router.post("/portal/invitations/{participant_id}/answer", response_model=RsvpView)
async def answer_invitation(participant_id: str, body: RsvpIn, principal: OrmasAccount, ports: Rsvp) -> RsvpView:
    """Attending (with the delegates' names, up to the seats) or declined, until the cut-off."""
    found = await _own(ports, principal, participant_id)
    new = await _answer(ports, found.kegiatan, found.participant,
                        participation.Response(attending=body.attending, delegates=body.delegates, reason=body.reason))
    return _view(ports, found.kegiatan, new)
