"""Turns a published kegiatan's frozen invitee list into participants, each with its ``invited``
event, without losing or doubling one when the process dies half-way.

Publishing marks the kegiatan ``fanout.state = pending`` in the same write that freezes the list.
The fan-out then inserts the participants under deterministic ids (a resumed fan-out finds those
already there and leaves them), tells the outbox relay, and marks the fan-out done. Pending
fan-outs are resumed at start and by a periodic sweep, so another replica's crash is picked up too."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from prometheus_client import Counter

from services.events import changes
from services.events.adapters.store import KegiatanRepository, ParticipantRepository, RegistryCopy
from shared import failpoints
from shared.outbox import OutboxRelay

log = logging.getLogger(__name__)
FANOUT_PARTICIPANTS = Counter("kesbang_events_fanout_participants_total", "Participants created by fan-out")


class Fanout:
    def __init__(self, kegiatan: KegiatanRepository, participants: ParticipantRepository, copy: RegistryCopy,
                 relay: OutboxRelay, *, secret: bytes, public_url: str, sweep_seconds: float = 30.0,
                 chunk: int = 500):
        self.kegiatan, self.participants, self.copy, self.relay = kegiatan, participants, copy, relay
        self.secret, self.public_url, self.sweep_seconds = secret, public_url, sweep_seconds
        self.chunk = chunk
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._stop = asyncio.Event()

    def kick(self, kegiatan_id: str) -> None:
        self._queue.put_nowait(kegiatan_id)

    def stop(self) -> None:
        self._stop.set()
        self._queue.put_nowait("")

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = 0.0
        while not self._stop.is_set():
            try:
                if loop.time() >= next_sweep:
                    for kid in await self.kegiatan.fanout_pending():
                        await self.fan_out(kid)
                    next_sweep = loop.time() + self.sweep_seconds
                try:
                    kid = await asyncio.wait_for(self._queue.get(), max(0.1, next_sweep - loop.time()))
                except asyncio.TimeoutError:
                    continue
                if kid:
                    await self.fan_out(kid)
            except Exception as e:  # the database or Kafka is away: the kegiatan stays pending
                log.warning("fan-out failed, retrying: %r", e)
                next_sweep = loop.time() + 2

    async def fan_out(self, kegiatan_id: str) -> dict[str, Any] | None:
        k = await self.kegiatan.get(kegiatan_id)
        if k is None or (k.get("fanout") or {}).get("state") != "pending":
            return None
        copies = await self.copy.by_ids(k.get("invitees") or [])
        docs, missing = changes.new_participants(k, copies, secret=self.secret, public_url=self.public_url,
                                                 now=dt.datetime.now(dt.UTC), actor=k["fanout"].get("by", "system"))
        created = existing = 0
        for i in range(0, len(docs), self.chunk):
            c, e = await self.participants.insert_new(docs[i:i + self.chunk])
            created, existing = created + c, existing + e
            failpoints.hit("events.fanout_partial")
        FANOUT_PARTICIPANTS.inc(created)
        for d in docs:
            self.relay.wake("participants", d["_id"])
        result = {"state": "done", "total": len(docs), "created": created, "existing": existing,
                  "missing": missing, "done_at": dt.datetime.now(dt.UTC), "by": k["fanout"].get("by")}
        # only the pending run it read marks it done: an addition made meanwhile stays pending
        await self.kegiatan.coll.update_one({"_id": kegiatan_id, "fanout.run": k["fanout"].get("run")},
                                            {"$set": {"fanout": result}})
        log.info("fan-out of %s: %d participants (%d new), %d missing from the registry copy",
                 kegiatan_id, len(docs), created, len(missing))
        return result
