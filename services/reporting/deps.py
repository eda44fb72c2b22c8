"""The reporting service's dependencies, as Annotated aliases a route names by type.

``bootstrap.py`` wires the components onto the app at start; this module is the only other place
that reads ``app.state``."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import redis.asyncio as aioredis
from fastapi import Depends, Request
from pymongo.asynchronous.database import AsyncDatabase

from services.reporting.adapters.reports import Reports as ReportsAdapter
from services.reporting.adapters.store import Projections as ProjectionsAdapter
from services.reporting.settings import Settings
from shared.auth import Principal
from shared.web import authenticated, roles


def _component(name: str):
    def get(request: Request) -> Any:
        return getattr(request.app.state, name)

    get.__name__ = f"get_{name}"
    return get


def _database(request: Request) -> AsyncDatabase:
    return request.app.state.runtime.db


current = authenticated(lambda request: request.app.state.runtime.verifier)
requester = roles(current, ("operator", "head", "analyst", "admin"))

Current = Annotated[Principal, Depends(current)]
Requester = Annotated[Principal, Depends(requester)]

Projections = Annotated[ProjectionsAdapter, Depends(_component("projections"))]
Reports = Annotated[ReportsAdapter, Depends(_component("reports"))]
Config = Annotated[Settings, Depends(_component("settings"))]
Redis = Annotated[aioredis.Redis, Depends(_component("redis"))]
FilteredSlot = Annotated[asyncio.Semaphore, Depends(_component("filtered_slot"))]
# the read-side figure functions (services/reporting/figures.py) take the database itself
Database = Annotated[AsyncDatabase, Depends(_database)]
