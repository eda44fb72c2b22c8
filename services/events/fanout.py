"""Turns a published kegiatan's frozen invitee list into participants, each with its ``invited``
event, without losing or doubling one when the process dies half-way.

Publishing marks the kegiatan ``fanout.state = pending`` in the same write that freezes the list:
that pending mark is the outbox entry of every invitation. The fan-out then inserts the
participants under deterministic ids (a resumed fan-out finds those already there and leaves
them), publishes their ``invited`` events chunk by chunk, and marks the fan-out done. Pending
fan-outs are resumed at start and by a periodic sweep, so another replica's crash is picked up too."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from prometheus_client import Counter
from pymongo import ReturnDocument

from services.events import changes
from services.events.adapters.store import KegiatanRepository, ParticipantRepository, RegistryCopy
from shared import failpoints, tracing
from shared.kafka import EventProducer

log = logging.getLogger(__name__)
FANOUT_PARTICIPANTS = Counter("kesbang_events_fanout_participants_total", "Participants created by fan-out")


class Fanout:
    def __init__(self, kegiatan: KegiatanRepository, participants: ParticipantRepository, copy: RegistryCopy,
                 producer: EventProducer, *, topic_for: Callable[[str], str], secret: bytes, public_url: str,
                 sweep_seconds: float = 30.0, chunk: int = 500):
        self.kegiatan, self.participants, self.copy = kegiatan, participants, copy
        self.producer, self.topic_for = producer, topic_for
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
        """Writes the participants chunk by chunk and publishes each chunk's invitations right after
        its write. The kegiatan's pending fan-out is the outbox entry that obliges this: a run that
        dies is attempted again, and then re-publishes what its earlier attempt wrote (same event
        ids, which consumers drop); participants of earlier runs (before an addition) are left."""
        k = await self.kegiatan.coll.find_one_and_update(
            {"_id": kegiatan_id, "fanout.state": "pending"}, {"$inc": {"fanout.attempt": 1}},
            return_document=ReturnDocument.AFTER)
        if k is None:
            return None
        with tracing.continued(k["fanout"].get("traceparent"), "fan out invitations",  # the publish's trace
                               **{"kesbang.kegiatan_id": kegiatan_id}):
            return await self._fan_out(k)

    async def _fan_out(self, k: dict[str, Any]) -> dict[str, Any]:
        kegiatan_id = k["_id"]
        run = k["fanout"].get("run")
        # runs an addition replaced while they were still pending (their worker may have died
        # between writing participants and publishing them): their participants count as this run's
        runs = {run, *(k["fanout"].get("carried") or [])}
        resumed = k["fanout"]["attempt"] > 1 or len(runs) > 1
        invitees = await self.kegiatan.invitees(k)
        copies = await self.copy.by_ids(invitees)
        pairs, missing = changes.new_participants(k, invitees, copies, secret=self.secret, public_url=self.public_url,
                                                  now=dt.datetime.now(dt.UTC), actor=k["fanout"].get("by") or "system")
        earlier = set()
        if resumed:  # what the interrupted attempt wrote may not have been published
            earlier = {d["_id"] for d in await self.participants.of(kegiatan_id, {"fanout_run": 1})
                       if d.get("fanout_run") in runs}
        created = existing = published = 0
        for i in range(0, len(pairs), self.chunk):
            chunk = pairs[i:i + self.chunk]
            await self.participants.save_links([{"_id": doc["short"], "p": doc["_id"]} for doc, _ in chunk])
            new_ids = await self.participants.insert_ids([doc for doc, _ in chunk])
            created += len(new_ids)
            existing += len(chunk) - len(new_ids)
            failpoints.hit("events.fanout_partial")
            due = [e for doc, e in chunk if doc["_id"] in new_ids or doc["_id"] in earlier]
            await self.producer.publish_many([(self.topic_for(e["topic"]), e["key"], e["event"]) for e in due])
            published += len(due)
        FANOUT_PARTICIPANTS.inc(created)
        result = {"state": "done", "total": len(pairs), "created": created, "existing": existing,
                  "published": published, "missing": missing, "done_at": dt.datetime.now(dt.UTC),
                  "by": k["fanout"].get("by"), "attempts": k["fanout"]["attempt"]}
        # only the pending run it read marks it done: an addition made meanwhile stays pending
        await self.kegiatan.coll.update_one({"_id": kegiatan_id, "fanout.run": run}, {"$set": {"fanout": result}})
        log.info("fan-out of %s: %d participants (%d new, %d invitations published), %d missing from the copy",
                 kegiatan_id, len(pairs), created, published, len(missing))
        return result
