"""The events service's dependencies, as Annotated aliases a route names by type.

``bootstrap.py`` wires the components onto the app at start; this module is the only other place
that reads ``app.state``."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import Depends, Request

from services.events.adapters.store import KegiatanRepository, ParticipantRepository, RegistryCopy
from services.events.application.kegiatan import Ports
from services.events.fanout import Fanout
from services.events.settings import Settings
from shared.auth import Principal
from shared.outbox import OutboxRelay
from shared.web import authenticated, roles


def _component(name: str):
    def get(request: Request) -> Any:
        return getattr(request.app.state, name)

    get.__name__ = f"get_{name}"
    return get


def _ports(request: Request) -> Ports:
    s = request.app.state
    return Ports(kegiatan=s.kegiatan, participants=s.participants, copy=s.copy, relay=s.relay, fanout=s.fanout)


@dataclasses.dataclass(frozen=True)
class RsvpPorts:
    """What the public RSVP pages use: the link's secret, the kegiatan, its participants, the relay."""

    secret: bytes
    kegiatan: KegiatanRepository
    participants: ParticipantRepository
    relay: OutboxRelay


def _rsvp(request: Request) -> RsvpPorts:
    s = request.app.state
    return RsvpPorts(secret=s.secret, kegiatan=s.kegiatan, participants=s.participants, relay=s.relay)


current = authenticated(lambda request: request.app.state.runtime.verifier)
writer = roles(current, ("operator", "admin"))

Current = Annotated[Principal, Depends(current)]
Writer = Annotated[Principal, Depends(writer)]

KegiatanStore = Annotated[KegiatanRepository, Depends(_component("kegiatan"))]
Participants = Annotated[ParticipantRepository, Depends(_component("participants"))]
Copy = Annotated[RegistryCopy, Depends(_component("copy"))]
Relay = Annotated[OutboxRelay, Depends(_component("relay"))]
FanoutRunner = Annotated[Fanout, Depends(_component("fanout"))]
Secret = Annotated[bytes, Depends(_component("secret"))]
Config = Annotated[Settings, Depends(_component("settings"))]
AllPorts = Annotated[Ports, Depends(_ports)]
Rsvp = Annotated[RsvpPorts, Depends(_rsvp)]
