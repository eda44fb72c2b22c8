"""The early-warning service's dependencies, as Annotated aliases a route names by type."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.earlywarning.adapters.store import RegistryCopy, Team
from services.earlywarning.application.reports import Ports
from services.earlywarning.settings import Settings
from shared.auth import Principal
from shared.web import component, current_principal, roles


async def _ports(request: Request) -> Ports:
    return request.app.state.ports


current = current_principal()
# an ormas account reports too, through its portal (as the ormas, about its own region)
intake = roles(current_principal(ormas="allowed"), ("operator", "verifier", "head", "admin", "ormas"))
handler = roles(current, ("operator", "verifier", "head"))
verifier = roles(current, ("verifier", "head"))
lead = roles(current, ("head", "admin"))

Current = Annotated[Principal, Depends(current)]
Intake = Annotated[Principal, Depends(intake)]
Handler = Annotated[Principal, Depends(handler)]
Verifier = Annotated[Principal, Depends(verifier)]
Lead = Annotated[Principal, Depends(lead)]
AllPorts = Annotated[Ports, Depends(_ports)]
TeamStore = Annotated[Team, Depends(component("team"))]
Copy = Annotated[RegistryCopy, Depends(component("copy"))]
Config = Annotated[Settings, Depends(component("settings"))]
Limiter = Annotated[object, Depends(component("limiter"))]
