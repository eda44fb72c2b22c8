"""The reminder sweep of the API process: every ``reminder_sweep_seconds`` it reminds about the
reports that stayed unverified too long (``application/reports.remind``; once per report, even with
several replicas sweeping)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from services.earlywarning.application import reports as use

log = logging.getLogger(__name__)


class Reminders:
    def __init__(self, ports: use.Ports, *, verify_within: dt.timedelta, every: float):
        self.ports = ports
        self.verify_within = verify_within
        self.every = every
        self._stop = asyncio.Event()

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                done = await use.remind(self.ports, self.verify_within)
                if done:
                    log.info("reminded about %d unverified reports", done)
            except Exception:  # the database away for a moment: the next sweep tries again
                log.exception("reminder sweep failed")
            try:
                await asyncio.wait_for(self._stop.wait(), self.every)
            except TimeoutError:
                pass

    def stop(self) -> None:
        self._stop.set()
