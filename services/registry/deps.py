"""The registry's dependencies, as Annotated aliases a route names by type.

``bootstrap.py`` wires the components onto the app at start; this module is the only other place
that reads ``app.state``, so a reader (or a tool) follows a route's ``ormas: OrmasStore`` to the
class that serves it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.registry.adapters.accounts import Accounts as AccountsAdapter
from services.registry.adapters.change_requests import ChangeRequests
from services.registry.adapters.import_jobs import ImportJobs
from services.registry.adapters.recommendations import Requests
from services.registry.adapters.repository import OrmasRepository
from services.registry.adapters.throttle import LoginThrottle
from services.registry.application.ormas import Ports
from services.registry.domain.search import SearchIndex
from services.registry.settings import Settings
from shared.auth import Principal
from shared.outbox import OutboxRelay
from shared.web import component, current_principal, roles


async def _ormas_ports(request: Request) -> Ports:
    s = request.app.state
    return Ports(ormas=s.ormas, search=s.search, relay=s.relay)


current = current_principal()
reader = current_principal(opd=True)  # the book's search and an ormas's record: another department too
writer = roles(current, ("operator", "admin"))
# an ormas account on the routes of its own application (each checks it is its own, still editable)
applicant_or_reader = current_principal(ormas="allowed")
applicant_or_writer = roles(applicant_or_reader, ("operator", "admin", "ormas"))
admin = roles(current, ("admin",))

Current = Annotated[Principal, Depends(current)]
Reader = Annotated[Principal, Depends(reader)]
ApplicantOrReader = Annotated[Principal, Depends(applicant_or_reader)]
ApplicantOrWriter = Annotated[Principal, Depends(applicant_or_writer)]
Writer = Annotated[Principal, Depends(writer)]
Admin = Annotated[Principal, Depends(admin)]

OrmasStore = Annotated[OrmasRepository, Depends(component("ormas"))]
Accounts = Annotated[AccountsAdapter, Depends(component("accounts"))]
ImportJobStore = Annotated[ImportJobs, Depends(component("import_jobs"))]
Search = Annotated[SearchIndex, Depends(component("search"))]
Relay = Annotated[OutboxRelay, Depends(component("relay"))]
Throttle = Annotated[LoginThrottle, Depends(component("throttle"))]
Config = Annotated[Settings, Depends(component("settings"))]
RecommendationStore = Annotated[Requests, Depends(component("recommendations"))]
ChangeRequestStore = Annotated[ChangeRequests, Depends(component("change_requests"))]
Jwk = Annotated[dict, Depends(component("jwk"))]
OrmasPorts = Annotated[Ports, Depends(_ormas_ports)]
