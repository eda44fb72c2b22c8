"""The reporting service's dependencies, as Annotated aliases a route names by type.

``bootstrap.py`` wires the components onto the app at start; this module is the only other place
that reads ``app.state`` (through ``shared.web.component``)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import redis.asyncio as aioredis
from fastapi import Depends, Request
from pymongo.asynchronous.database import AsyncDatabase

from services.reporting.adapters.reports import Reports as ReportsAdapter
from services.reporting.adapters.store import Projections as ProjectionsAdapter
from services.reporting.settings import Settings
from shared.auth import Principal
from shared.web import component, current_principal, roles


async def _database(request: Request) -> AsyncDatabase:
    return request.app.state.runtime.db


current = current_principal()
requester = roles(current, ("operator", "head", "analyst", "admin"))

Current = Annotated[Principal, Depends(current)]
OrmasAccount = Annotated[Principal, Depends(current_principal(ormas="only"))]
Requester = Annotated[Principal, Depends(requester)]

Projections = Annotated[ProjectionsAdapter, Depends(component("projections"))]
Reports = Annotated[ReportsAdapter, Depends(component("reports"))]
Config = Annotated[Settings, Depends(component("settings"))]
Redis = Annotated[aioredis.Redis, Depends(component("redis"))]
FilteredSlot = Annotated[asyncio.Semaphore, Depends(component("filtered_slot"))]
# the read-side figure functions (services/reporting/adapters/figures.py) take the database itself
Database = Annotated[AsyncDatabase, Depends(_database)]
