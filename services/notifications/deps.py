"""The notifications service's dependencies, as Annotated aliases a route names by type.

``bootstrap.py`` wires the components onto the app at start; this module is the only other place
that reads ``app.state``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from services.notifications.adapters.inbox import Messages as MessagesAdapter
from services.notifications.settings import Settings
from shared.auth import Principal
from shared.outbox import OutboxRelay
from shared.web import authenticated, roles


def _component(name: str):
    def get(request: Request) -> Any:
        return getattr(request.app.state, name)

    get.__name__ = f"get_{name}"
    return get


current = authenticated(lambda request: request.app.state.runtime.verifier)
writer = roles(current, ("operator", "admin"))

Current = Annotated[Principal, Depends(current)]
Writer = Annotated[Principal, Depends(writer)]

Messages = Annotated[MessagesAdapter, Depends(_component("messages"))]
Relay = Annotated[OutboxRelay, Depends(_component("relay"))]
Config = Annotated[Settings, Depends(_component("settings"))]
Enqueue = Annotated[Callable[[list[str]], None], Depends(_component("enqueue"))]
