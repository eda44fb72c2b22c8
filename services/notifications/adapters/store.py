"""Notifications' MongoDB collections.

- ``contacts``: the copy of the registry's contacts, kept from ``registry.ormas``.
- ``documents``: each signed document's verification record, by its code (``domain/documents.py``).
- ``messages``: one document per (participant, kind, channel) — the id makes it unique — with its
  status, history and pending ``notifications.delivery`` events (``_outbox``). The consumer writes
  them (async); the Celery workers claim and send them (sync PyMongo, one client per process).
- ``open_messages``: a mark per message that may still need a worker (queued or sending), written
  before the message enters that state (:func:`open_marks`; the consumer's, before its Kafka batch
  is committed: ``copies.py``). Recovery reads the marks instead of every message, and removes
  those of the messages that have settled: a mark may outlive its message's open state, never the
  other way round. ``recovery`` records that the marks were made for the messages written before
  they existed (once, on an upgraded database)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Iterator, Mapping
from typing import Any

from pymongo import ASCENDING, DeleteOne, IndexModel, MongoClient, ReturnDocument, UpdateOne, WriteConcern
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.notifications.domain import documents
from services.notifications.domain.contacts import contact_copy
from shared import ferretdb, outbox, readmodel
from shared.contracts import make_event
from shared.mongo import id_prefix

INDEXES = {
    "contacts": [IndexModel([("region", ASCENDING)], name="region")],
    "participants": [IndexModel([("invited.ormas_id", ASCENDING)], name="ormas")],  # an ormas's certificates
    "messages": [IndexModel([("kegiatan_id", ASCENDING), ("status", ASCENDING)], name="kegiatan_status"),
                 *outbox.INDEXES],
}
SOURCE = "/kesbang/notifications"
TOPIC = "notifications.delivery"
HIDDEN = {outbox.FIELD: 0, outbox.LEASE: 0}
OFFICE_FRESH_SECONDS = 30.0
OPEN_STATUSES = ("queued", "sending")
STUCK_PAGE = 500  # messages read with one ``$in`` by recovery
# statements in one bulk write: the local FerretDB wedges on large ones (``shared/ferretdb.py``);
# this synchronous client does not ask the server which it is, so it always writes small commands
WRITE_CHUNK = ferretdb.CAPABILITIES.write_batch
WHATSAPP_WINDOW = dt.timedelta(hours=24)  # the customer-service window a recipient's message opens


class Contacts(readmodel.OrmasCopy):
    """The copy of the registry's contacts."""

    def __init__(self, db: AsyncDatabase, *, batched: bool = False):
        super().__init__(db["contacts"], contact_copy, batched=batched)


def open_marks(message_ids, now: dt.datetime) -> list[UpdateOne]:
    """The upserts marking these messages open (see the module's docstring), for one bulk write."""
    return [UpdateOne({"_id": mid}, {"$set": {"at": now}}, upsert=True) for mid in message_ids]


def delivery_event(msg: Mapping[str, Any], status: str, at: dt.datetime, reason: str | None = None) -> dict[str, Any]:
    data = {"message_id": msg["_id"], "participant_id": msg.get("participant_id"), "kegiatan_id": msg.get("kegiatan_id"),
            "ormas_id": msg.get("ormas_id"), "kind": msg["kind"], "channel": msg["channel"], "status": status,
            "attempts": msg.get("attempts", 0), "reason": reason,
            "at": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")}
    seq = len(msg.get("history") or []) + 1
    event = make_event(f"notifications.delivery.{status}", source=SOURCE, subject=f"message/{msg['_id']}", data=data,
                       region=msg.get("region") or "00", sequence=seq, traceparent=msg.get("traceparent"))
    return outbox.entry(TOPIC, msg["_id"], event)


class MessageStore:
    """The workers' side (sync): claim, hand over, settle — every step one conditional write."""

    def __init__(self, mongo_url: str, db: str):
        self._pid = os.getpid()
        self.client = MongoClient(mongo_url, tz_aware=True, appname="notifications-worker")
        self.coll = self.client[db]["messages"]
        self._unacknowledged = self.coll.with_options(write_concern=WriteConcern(w=0))
        self.hints = self.client[db]["outbox_hints"]
        self.kegiatan = self.client[db]["kegiatan"]
        self.participants = self.client[db]["participants"]
        self.offices = self.client[db]["offices"]
        self._offices: dict[str, tuple[float, dict[str, Any] | None]] = {}
        self.documents = self.client[db]["documents"]
        self.open = self.client[db]["open_messages"]
        self.recovery = self.client[db]["recovery"]
        self._deferred_hints: set[str] | None = None
        self._marks_made = False

    def office(self, region: str, now: float | None = None) -> dict[str, Any] | None:
        """The copy of an office's settings (``registry.office``), or None when it set none; read
        again after ``OFFICE_FRESH_SECONDS`` (a change reaches the letters of the next minute)."""
        now = time.monotonic() if now is None else now
        key = region or "nasional"
        cached = self._offices.get(key)
        if cached is None or now - cached[0] > OFFICE_FRESH_SECONDS:
            cached = self._offices[key] = (now, self.offices.find_one({"_id": key}))
        return cached[1]

    def whatsapp_window_open(self, phone: str) -> bool:
        """Whether this recipient wrote to us in the last 24 hours (free text may go)."""
        since = dt.datetime.now(dt.UTC) - WHATSAPP_WINDOW
        return self.client[self.coll.database.name]["whatsapp_windows"].find_one(
            {"_id": phone, "last_at": {"$gt": since}}, {"_id": 1}) is not None

    def record_document(self, doc: dict[str, Any]) -> None:
        """A signed document's verification record (``documents.record_write``)."""
        self.documents.update_one(*documents.record_write(doc), upsert=True)

    def exists(self, mid: str) -> bool:
        return self.coll.find_one({"_id": mid}, {"_id": 1}) is not None

    def insert_if_new(self, doc: dict[str, Any]) -> bool:
        """Inserts a message under its deterministic id; False when it was there already."""
        if doc["status"] in OPEN_STATUSES:
            self.open.bulk_write(open_marks([doc["_id"]], dt.datetime.now(dt.UTC)))
        try:
            self.coll.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    def kegiatan_ahead(self) -> Iterator[dict[str, Any]]:
        """The copies of kegiatan still to take place (published or rescheduled)."""
        yield from self.kegiatan.find({"status": {"$in": ["published", "rescheduled"]}})

    def invitations_of(self, kegiatan_id: str) -> Iterator[dict[str, Any]]:
        yield from self.participants.find({"_id": id_prefix(f"{kegiatan_id}:")})

    def hint(self, mid: str) -> None:
        """Tells the API's relay that this message has an event to publish (inside
        ``hints_batched``: at the batch's end)."""
        if self._deferred_hints is not None:
            self._deferred_hints.add(mid)
            return
        self._hint_many([mid])

    def _hint_many(self, mids) -> None:
        if mids:  # a task's few messages
            self._bulk(self.hints, outbox.hint_writes("messages", mids))

    @contextlib.contextmanager
    def hints_batched(self, mids: list[str]) -> Iterator[None]:
        """A batch of sends with two hint commands instead of two per message: every message is
        named before the first write (the "before" hint of each), and those that were written
        again at the end. A worker killed midway leaves "before" hints for the relay; one the
        relay took before the write landed leaves that event to the sweep."""
        self._hint_many(mids)
        self._deferred_hints = set()
        try:
            yield
        finally:
            written, self._deferred_hints = self._deferred_hints, None
            self._hint_many(sorted(written))

    def get(self, mid: str) -> dict[str, Any] | None:
        return self.coll.find_one({"_id": mid}, HIDDEN)

    def get_many(self, mids: list[str]) -> dict[str, dict[str, Any]]:
        """The messages of a batch by id, read with one command (an index search: FerretDB fix 6)."""
        return {d["_id"]: d for d in self.coll.find({"_id": {"$in": list(mids)}}, HIDDEN)}

    def claim(self, mid: str, token: str, now: dt.datetime, stale_before: dt.datetime) -> dict[str, Any] | None:
        """queued → sending for this worker; or a claim of a worker that died before handing the
        message to the provider. None when someone else has it, or it may already have gone out."""
        for filter_ in ({"_id": mid, "status": "queued"},
                        {"_id": mid, "status": "sending", "handed_at": None, "claim.at": {"$lt": stale_before}}):
            doc = self.coll.find_one_and_update(
                filter_, {"$set": {"status": "sending", "claim": {"token": token, "at": now}, "updated_at": now},
                          "$inc": {"attempts": 1}},
                return_document=ReturnDocument.AFTER)
            if doc is not None:
                return outbox.without_outbox(doc)
        return None

    def handed(self, mid: str, token: str, now: dt.datetime) -> None:
        """Marks the message handed to the provider as an unacknowledged write (w: 0): the request
        is in the connection when this returns, and the channel's final dot (or HTTP request)
        follows at once instead of a database round trip later — a worker killed in between can
        neither lose the message (marked, never sent) nor double it but in a window of two system
        calls. The database applies it even if the worker dies right after (its bytes were sent)."""
        self._unacknowledged.update_one({"_id": mid, "claim.token": token}, {"$set": {"handed_at": now}})

    def wait(self, mid: str, until: dt.datetime, now: dt.datetime, *, note: str) -> None:
        """A queued message that waits (quiet hours) until ``until``: recorded, so that ``stuck``
        does not take it for lost and enqueue it again every round."""
        self.coll.update_one({"_id": mid, "status": "queued", "not_before": {"$ne": until}}, {
            "$set": {"not_before": until, "updated_at": now},
            "$push": {"history": {"at": now, "status": "queued", "note": f"{note}: waits until {until.isoformat()}"}}})

    def settle(self, mid: str, token: str, *, status: str, now: dt.datetime, note: str | None = None,
               provider_id: str | None = None, event_status: str | None = None, reason: str | None = None,
               requeue_at: dt.datetime | None = None, unconfirmed: bool = False,
               claimed: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Ends this worker's claim: sent / failed / dead (with a delivery event), or back to queued
        (a retry, not yet handed over). ``claimed``: the message as this claim returned it (its
        event is built from it; read again when not given)."""
        msg = claimed if claimed is not None and (claimed.get("claim") or {}).get("token") == token else \
            self.coll.find_one({"_id": mid, "claim.token": token}, HIDDEN)
        if msg is None:
            return None
        fields: dict[str, Any] = {"status": status, "updated_at": now, "claim": None}
        if status == "queued":
            fields.update(handed_at=None, not_before=requeue_at or now, error=reason)
        if provider_id:
            fields["provider_id"] = provider_id
        if unconfirmed:
            fields["unconfirmed"] = True
        if reason and status != "queued":
            fields["error"] = reason
        update: dict[str, Any] = {"$set": fields,
                                  "$push": {"history": {"at": now, "status": status, "note": note or reason}}}
        if event_status:
            update["$push"][outbox.FIELD] = delivery_event({**msg, **fields}, event_status, now, reason)
            self.hint(mid)  # before and after the write (see outbox.hint_document)
        doc = outbox.without_outbox(self.coll.find_one_and_update({"_id": mid, "claim.token": token}, update,
                                                     return_document=ReturnDocument.AFTER))
        if doc is not None and event_status:
            self.hint(mid)
        return doc

    def mark_unconfirmed(self, mid: str, now: dt.datetime, stale_before: dt.datetime) -> dict[str, Any] | None:
        """A worker died after handing the message to the provider and before hearing back: it is
        not sent again (it may have gone out); it counts as sent, flagged."""
        msg = self.coll.find_one({"_id": mid, "status": "sending", "handed_at": {"$ne": None},
                                  "claim.at": {"$lt": stale_before}}, HIDDEN)
        if msg is None:
            return None
        self.hint(mid)  # before and after the write (see outbox.hint_document)
        doc = outbox.without_outbox(self.coll.find_one_and_update(
            {"_id": mid, "status": "sending", "claim.token": msg["claim"]["token"]},
            {"$set": {"status": "sent", "unconfirmed": True, "claim": None, "updated_at": now},
             "$push": {"history": {"at": now, "status": "sent", "note": "handed to the provider before a worker died; not sent again"},
                       outbox.FIELD: delivery_event(msg, "sent", now, "unconfirmed")}},
            return_document=ReturnDocument.AFTER))
        if doc is not None:
            self.hint(mid)
        return doc

    def stuck(self, now: dt.datetime, older_than: dt.datetime, *, broker_idle: bool) -> list[str]:
        """Messages nobody is working on: claimed by a worker that died (its claim and any earlier
        recovery older than ``older_than``), or — only while the broker's queue is empty, since a
        deep queue holds tasks that are merely waiting — queued past their time. Read through the
        open marks, a page at a time; the marks of settled (or never written) messages are removed
        once older than ``older_than``, and only as they were read (a message queued again
        meanwhile has marked itself anew)."""
        self._mark_written_before(now)
        marks = list(self.open.find({}))
        out: list[str] = []
        settled: list[DeleteOne] = []
        for at in range(0, len(marks), STUCK_PAGE):
            page = marks[at:at + STUCK_PAGE]
            found = {d["_id"]: d for d in self.coll.find(
                {"_id": {"$in": [m["_id"] for m in page]}},
                {"status": 1, "not_before": 1, "enqueued_at": 1, "claim": 1, "recovered_at": 1})}
            for m in page:
                d = found.get(m["_id"])
                if d is None or d["status"] not in OPEN_STATUSES:
                    if m["at"] < older_than:
                        settled.append(DeleteOne({"_id": m["_id"], "at": m["at"]}))
                elif _stuck(d, now, older_than, broker_idle=broker_idle):
                    out.append(d["_id"])
        self._bulk(self.open, settled)
        return out

    @staticmethod
    def _bulk(coll, ops: list) -> None:
        for at in range(0, len(ops), WRITE_CHUNK):
            coll.bulk_write(ops[at:at + WRITE_CHUNK], ordered=False)

    def _mark_written_before(self, now: dt.datetime) -> None:
        """Marks the open messages of a database written before the marks existed: one pass over
        every message, on the first recovery after the upgrade (again if that one died)."""
        if self._marks_made or self.recovery.find_one({"_id": "open_messages"}) is not None:
            self._marks_made = True
            return
        ids = [d["_id"] for d in self.coll.find({"status": {"$in": list(OPEN_STATUSES)}}, {"_id": 1})]
        self._bulk(self.open, open_marks(ids, now))
        self.recovery.update_one({"_id": "open_messages"}, {"$set": {"marked_at": now, "marked": len(ids)}}, upsert=True)
        self._marks_made = True

    def mark_recovered(self, ids: list[str], now: dt.datetime) -> None:
        for mid in ids:
            self.coll.update_one({"_id": mid, "status": "queued"}, {"$set": {"enqueued_at": now, "not_before": None}})
            self.coll.update_one({"_id": mid, "status": "sending"}, {"$set": {"recovered_at": now}})

    def remember_provider_id(self, provider_id: str, mid: str) -> None:
        self.client[self.coll.database.name]["provider_ids"].update_one(
            {"_id": provider_id}, {"$set": {"message_id": mid}}, upsert=True)


def _stuck(d: dict[str, Any], now: dt.datetime, older_than: dt.datetime, *, broker_idle: bool) -> bool:
    if d["status"] == "queued":
        if d.get("not_before") and d["not_before"].replace(tzinfo=dt.UTC) > now:
            return False  # waiting on purpose (a retry's backoff, quiet hours)
        return broker_idle and (d.get("not_before") or d.get("enqueued_at") or now) < older_than
    return (d.get("claim") or {}).get("at", now) < older_than and (d.get("recovered_at") or d["claim"]["at"]) < older_than
