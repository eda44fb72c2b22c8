"""The notifications service's dependencies, as Annotated aliases a route names by type.

``bootstrap.py`` wires the components onto the app at start; this module is the only other place
that reads ``app.state`` (through ``shared.web.component``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends

from services.notifications.adapters.inbox import Messages as MessagesAdapter
from services.notifications.adapters.signing import OfficeKeys
from services.notifications.adapters.store import Contacts
from services.notifications.settings import Settings
from shared.auth import Principal
from shared.outbox import OutboxRelay
from shared.web import component, current_principal, roles

current = current_principal()
writer = roles(current, ("operator", "admin"))

Current = Annotated[Principal, Depends(current)]
OrmasAccount = Annotated[Principal, Depends(current_principal(ormas="only"))]
Writer = Annotated[Principal, Depends(writer)]

Messages = Annotated[MessagesAdapter, Depends(component("messages"))]
Relay = Annotated[OutboxRelay, Depends(component("relay"))]
Config = Annotated[Settings, Depends(component("settings"))]
Keys = Annotated[OfficeKeys, Depends(component("keys"))]
ContactsCopy = Annotated[Contacts, Depends(component("contacts"))]
Enqueue = Annotated[Callable[[list[str]], None], Depends(component("enqueue"))]
FallBack = Annotated[Callable[[str], None], Depends(component("fall_back"))]
