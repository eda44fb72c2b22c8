"""Business figures for Prometheus (and Grafana): ormas by province and status, SKTs expiring and
expired, kegiatan, invitations and attendance by province — read from the counters every 30 s by
the reporting API and exposed on its /metrics."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from prometheus_client import Gauge

from services.reporting.adapters.figures import kegiatan_figures
from services.reporting.adapters.store import Projections
from shared import regions

log = logging.getLogger(__name__)
ORMAS = Gauge("kesbang_ormas", "Ormas recorded, by province and status", ["province", "status"])
SKT = Gauge("kesbang_skt", "SKTs expiring within 90 days and expired, by province", ["province", "state"])
KEGIATAN = Gauge("kesbang_kegiatan_12_months", "Kegiatan over the last 12 months, by province and type", ["province", "type"])
PARTICIPATION = Gauge("kesbang_participation_12_months", "Invited, attending and checked-in participants over the last 12 months, by province",
                      ["province", "state"])


async def refresh(projections: Projections) -> int:
    today = dt.date.today()
    since = (today.replace(day=1) - dt.timedelta(days=335)).strftime("%Y-%m")
    n = 0
    for p in regions.provinces():
        o = await projections.ormas_figures(p.code)
        for status, count in o["by_status"].items():
            ORMAS.labels(p.code, status).set(count)
        SKT.labels(p.code, "expiring_90_days").set(o["skt_expiring_90_days"])
        SKT.labels(p.code, "expired").set(o["skt_expired"])
        k = await kegiatan_figures(projections.db, p.code, since, today.strftime("%Y-%m"))
        for t, count in k["kegiatan"]["by_type"].items():
            KEGIATAN.labels(p.code, t).set(count)
        for state in ("invited", "attending", "checked_in"):
            PARTICIPATION.labels(p.code, state).set(k["participation"][state])
        n += 1
    return n


async def keep_fresh(projections: Projections, every: float = 30.0, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            await refresh(projections)
        except Exception as e:  # the database is away: the gauges keep their last values
            log.warning("business metrics not refreshed: %r", e)
        try:
            await asyncio.wait_for(stop.wait(), every)
        except asyncio.TimeoutError:
            pass
