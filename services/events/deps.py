"""The events service's dependencies, as Annotated aliases a route names by type.

``bootstrap.py`` wires the components onto the app at start; this module is the only other place
that reads ``app.state`` (through ``shared.web.component``)."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import Depends, Request

from services.events.adapters.store import KegiatanRepository, ParticipantRepository, RegistryCopy
from services.events.application.kegiatan import Ports
from services.events.fanout import Fanout
from services.events.settings import Settings
from shared.auth import Principal
from shared.outbox import OutboxRelay
from shared.readmodel import OfficeCopy
from shared.web import component, current_principal, roles


async def _ports(request: Request) -> Ports:
    s = request.app.state
    return Ports(kegiatan=s.kegiatan, participants=s.participants, copy=s.copy, relay=s.relay, fanout=s.fanout)


@dataclasses.dataclass(frozen=True)
class RsvpPorts:
    """What the public RSVP pages use: the link's secret, the kegiatan, its participants, the relay."""

    secret: bytes
    kegiatan: KegiatanRepository
    participants: ParticipantRepository
    relay: OutboxRelay


async def _rsvp(request: Request) -> RsvpPorts:
    s = request.app.state
    return RsvpPorts(secret=s.secret, kegiatan=s.kegiatan, participants=s.participants, relay=s.relay)


current = current_principal()
writer = roles(current, ("operator", "admin"))

Current = Annotated[Principal, Depends(current)]
Writer = Annotated[Principal, Depends(writer)]

KegiatanStore = Annotated[KegiatanRepository, Depends(component("kegiatan"))]
Participants = Annotated[ParticipantRepository, Depends(component("participants"))]
Copy = Annotated[RegistryCopy, Depends(component("copy"))]
Offices = Annotated[OfficeCopy, Depends(component("offices"))]
Relay = Annotated[OutboxRelay, Depends(component("relay"))]
FanoutRunner = Annotated[Fanout, Depends(component("fanout"))]
Secret = Annotated[bytes, Depends(component("secret"))]
Config = Annotated[Settings, Depends(component("settings"))]
AllPorts = Annotated[Ports, Depends(_ports)]
Rsvp = Annotated[RsvpPorts, Depends(_rsvp)]
