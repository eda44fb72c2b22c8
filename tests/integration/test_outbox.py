"""The outbox against real FerretDB and Kafka: state and events in one write, published in order,
kept when Kafka refuses, bounded, and published again with the same ids after a crash."""

import json
import uuid

import pytest
from pymongo.errors import DuplicateKeyError  # noqa: F401  (documented behaviour below)

from shared import outbox
from shared.contracts import make_event
from shared.kafka import EventProducer, ensure_topics
from tests.helpers import eventually

pytestmark = pytest.mark.integration

DATA = {"ormas_id": "", "version": 1, "name": "Karang Taruna", "acronym": None, "kind": "okp",
        "region": "35.75", "status": "unregistered", "email": None}


def _event(oid: str, version: int):
    return make_event("registry.ormas.created", source="/test", subject=f"ormas/{oid}",
                      data={**DATA, "ormas_id": oid, "version": version}, region="35.75", sequence=version)


def _pending(oid: str) -> dict:
    """An aggregate just written with its created event, not yet published."""
    return outbox.with_events({"_id": oid, "version": 1}, [outbox.entry("ormas", oid, _event(oid, 1))])


@pytest.fixture()
async def setup(infra, mongo, kafka):
    topic = f"it-outbox-{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.kafka, [topic], 3)
    db = mongo[f"it_outbox_{uuid.uuid4().hex[:8]}"]
    producer = EventProducer(infra.kafka, client_id="it-outbox")
    await producer.start()
    yield db["aggregates"], producer, topic
    await producer.stop()
    await mongo.drop_database(db.name)
    await kafka.delete_topics_with_prefix(topic)


async def test_relay_publishes_pending_events_in_order_then_clears_them(setup, kafka):
    coll, producer, topic = setup
    oid = uuid.uuid4().hex
    e1, e2 = _event(oid, 1), _event(oid, 2)
    await coll.insert_one(outbox.with_events({"_id": oid, "version": 1}, [outbox.entry("ormas", oid, e1)]))
    f, u = outbox.guarded({"_id": oid, "version": 1}, {"$set": {"version": 2}}, [outbox.entry("ormas", oid, e2)], 100)
    assert (await coll.update_one(f, u)).modified_count == 1
    relay = outbox.OutboxRelay(producer, [coll], topic_for=lambda _: topic)
    assert await relay.drain() == 2
    doc = await coll.find_one({"_id": oid})
    assert doc["_outbox"] == [] and doc["version"] == 2 and "_outbox_lease" not in doc
    msgs = await kafka.read(topic, until=lambda m: len(m) >= 2)
    assert [json.loads(m.value)["id"] for m in msgs] == [e1["id"], e2["id"]]
    assert len({m.partition for m in msgs}) == 1  # one aggregate, one partition: order holds
    assert await relay.drain() == 0  # nothing left, nothing published twice


async def test_events_stay_pending_when_kafka_refuses_and_go_out_later(setup, infra, kafka):
    coll, producer, topic = setup
    oid = uuid.uuid4().hex
    event = _event(oid, 1)
    await coll.insert_one(outbox.with_events({"_id": oid, "version": 1}, [outbox.entry("ormas", oid, event)]))
    dead = EventProducer(infra.kafka, client_id="it-dead", send_timeout=2)
    await dead.start()
    await dead.stop()  # a producer that can no longer send, as when the broker is gone
    with pytest.raises(Exception):
        await outbox.OutboxRelay(dead, [coll], topic_for=lambda _: topic).drain()
    doc = await coll.find_one({"_id": oid})
    assert [e["id"] for e in doc["_outbox"]] == [event["id"]] and "_outbox_lease" not in doc
    assert await outbox.OutboxRelay(producer, [coll], topic_for=lambda _: topic).drain() == 1
    msgs = await kafka.read(topic, until=lambda m: len(m) >= 1)
    assert json.loads(msgs[0].value)["id"] == event["id"]


async def test_pending_list_is_bounded(setup):
    coll, _, _ = setup
    oid = uuid.uuid4().hex
    await coll.insert_one(_pending(oid))
    for v in range(1, 3):
        f, u = outbox.guarded({"_id": oid}, {"$set": {"version": v + 1}},
                              [outbox.entry("ormas", oid, _event(oid, v + 1))], max_pending=3)
        assert (await coll.update_one(f, u)).modified_count == 1
    f, u = outbox.guarded({"_id": oid}, {"$set": {"version": 9}}, [outbox.entry("ormas", oid, _event(oid, 9))],
                          max_pending=3)
    assert (await coll.update_one(f, u)).matched_count == 0  # full: the write is refused whole
    doc = await coll.find_one({"_id": oid})
    assert doc["version"] == 3 and len(doc["_outbox"]) == 3


async def test_a_leased_document_is_left_to_its_relay_until_the_lease_expires(setup):
    import datetime as dt

    coll, producer, topic = setup
    oid = uuid.uuid4().hex
    await coll.insert_one({**outbox.with_events({"_id": oid}, [outbox.entry("ormas", oid, _event(oid, 1))]),
                           "_outbox_lease": {"owner": "other", "until": dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)}})
    relay = outbox.OutboxRelay(producer, [coll], topic_for=lambda _: topic)
    assert await relay.drain() == 0
    await coll.update_one({"_id": oid}, {"$set": {"_outbox_lease.until": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}})
    assert await relay.drain() == 1


async def test_relay_task_publishes_when_woken(setup, kafka):
    import asyncio

    coll, producer, topic = setup
    relay = outbox.OutboxRelay(producer, [coll], topic_for=lambda _: topic, poll_seconds=30, sweep_seconds=3600)
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: _idle(relay), timeout=10, what="the start-up sweep to finish")
        oid = uuid.uuid4().hex
        await coll.insert_one(outbox.with_events({"_id": oid}, [outbox.entry("ormas", oid, _event(oid, 1))]))
        relay.wake(coll.name, oid)
        await eventually(lambda: _drained(coll, oid), timeout=10, what="the relay to drain after wake()")
    finally:
        relay.stop()
        await task


async def _idle(relay):
    return not relay._wake.is_set() and not any(relay._hints.values())


async def _drained(coll, oid):
    doc = await coll.find_one({"_id": oid})
    return doc is not None and doc["_outbox"] == []


async def _none_pending(coll, hints=None):
    return (await coll.count_documents({"_outbox.0": {"$exists": True}}) == 0
            and (hints is None or await hints.count_documents({}) == 0))


async def test_relay_drains_a_backlog_larger_than_one_database_command(setup, kafka):
    """250 aggregates with pending events drain completely. One bulk command of 100 updates wedges
    FerretDB's SQLite pool (see shared.mongo.BULK_CHUNK); this proves the relay never sends one."""
    coll, producer, topic = setup
    ids = [uuid.uuid4().hex for _ in range(250)]
    await coll.insert_many([_pending(oid) for oid in ids])
    relay = outbox.OutboxRelay(producer, [coll], topic_for=lambda _: topic, batch=120)
    assert await relay.drain() == 250
    assert await coll.count_documents({"_outbox.0": {"$exists": True}}) == 0
    msgs = await kafka.read(topic, until=lambda m: len(m) >= 250)
    assert sorted(json.loads(m.value)["subject"] for m in msgs) == sorted(f"ormas/{i}" for i in ids)
    assert await coll.find_one({}, {"_id": 1}) is not None  # the database still answers


async def test_a_hinted_document_is_published_without_a_sweep(setup, kafka):
    """The write path names its document; the relay publishes it by _id while the periodic sweep is
    far away. A document nobody named waits for the sweep (a crashed writer's leftovers)."""
    coll, producer, topic = setup
    named, unnamed = uuid.uuid4().hex, uuid.uuid4().hex
    for oid in (named, unnamed):
        await coll.insert_one(_pending(oid))
    relay = outbox.OutboxRelay(producer, [coll], topic_for=lambda _: topic)
    relay.wake(coll.name, named)
    assert await relay.drain_hinted() == 1
    assert await _drained(coll, named) and not await _drained(coll, unnamed)
    assert await relay.drain() == 1
    assert await _drained(coll, unnamed)
    msgs = await kafka.read(topic, until=lambda m: len(m) >= 2)
    assert [json.loads(m.value)["subject"] for m in msgs].count(f"ormas/{named}") == 1


async def test_events_handed_over_by_an_inserting_writer_are_published_unread_and_removed(setup, kafka):
    """An importer hands the relay the outbox of each document it inserted: published without
    reading it back, then removed by exact value. A second write of the same document before the
    relay ran (events appended) makes the relay read what is pending instead."""
    coll, producer, topic = setup
    fresh, rewritten = uuid.uuid4().hex, uuid.uuid4().hex
    entries = {oid: [outbox.entry("ormas", oid, _event(oid, 1))] for oid in (fresh, rewritten)}
    for oid, events in entries.items():
        await coll.insert_one(outbox.with_events({"_id": oid, "version": 1}, events))
    later = outbox.entry("ormas", rewritten, _event(rewritten, 2))
    await coll.update_one({"_id": rewritten}, {"$push": {"_outbox": later}, "$set": {"version": 2}})
    relay = outbox.OutboxRelay(producer, [coll], topic_for=lambda _: topic)
    relay.wake(coll.name, fresh, entries[fresh])
    relay.wake(coll.name, rewritten, entries[rewritten])
    relay.wake(coll.name, rewritten)  # the update's own hint
    assert await relay.drain_hinted() == 3
    assert await _drained(coll, fresh) and await _drained(coll, rewritten)
    msgs = await kafka.read(topic, until=lambda m: len(m) >= 3)
    assert sorted(json.loads(m.value)["id"] for m in msgs) == sorted(
        [entries[fresh][0]["event"]["id"], entries[rewritten][0]["event"]["id"], later["event"]["id"]])


async def test_a_hint_from_another_process_is_removed_only_as_it_was_read(setup, kafka):
    """Another process hints before its write and again after it. A hint read before the write
    publishes nothing; a newer hint written while the relay worked on the old one survives its
    removal, so the write's events go out without waiting for the sweep."""
    coll, producer, topic = setup
    hints = coll.database["hints"]
    oid = uuid.uuid4().hex

    async def hint():
        h = outbox.hint_document(coll.name, oid)
        await hints.replace_one({"_id": h["_id"]}, h, upsert=True)

    class Racing(outbox.OutboxRelay):  # the writer's write and its second hint land while the relay publishes
        async def _publish(self, c, ids, **kw):
            n = await super()._publish(c, ids, **kw)
            if not await coll.find_one({"_id": oid}):
                await coll.insert_one(_pending(oid))
                await hint()
            return n

    relay = Racing(producer, [coll], topic_for=lambda _: topic, hints=hints)
    await hint()  # before the write
    await relay.read_hints()  # nothing to publish yet; the newer hint stays
    assert await hints.count_documents({}) == 1 and not await _drained(coll, oid)
    await relay.read_hints()
    assert await _drained(coll, oid) and await hints.count_documents({}) == 0
    msgs = await kafka.read(topic, until=lambda m: len(m) >= 1)
    assert [json.loads(m.value)["subject"] for m in msgs] == [f"ormas/{oid}"]


async def test_a_backlog_of_hints_drains_without_waiting_a_poll_between_pages(setup, kafka):
    """An import in a worker leaves many more hints than one page: the relay reads on while its
    pages come back full, instead of sleeping a poll between them (30 s here: four pages would
    take 90 s)."""
    import asyncio

    coll, producer, topic = setup
    hints = coll.database["hints"]
    ids = [uuid.uuid4().hex for _ in range(180)]
    await coll.insert_many([_pending(oid) for oid in ids])
    relay = outbox.OutboxRelay(producer, [coll], topic_for=lambda _: topic, batch=10, poll_seconds=30,
                               sweep_seconds=3600, hints=hints)
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: _idle(relay), timeout=10, what="the start-up sweep to finish")
        more = [uuid.uuid4().hex for _ in range(180)]  # 180 documents written after the sweep: 4 pages of 50
        await coll.insert_many([_pending(oid) for oid in more])
        await hints.insert_many([outbox.hint_document(coll.name, oid) for oid in more])
        relay.wake()
        await eventually(lambda: _none_pending(coll, hints), timeout=20, what="every hinted document published")
    finally:
        relay.stop()
        await task
    msgs = await kafka.read(topic, until=lambda m: len(m) >= 360)
    assert sorted(json.loads(m.value)["subject"] for m in msgs) == sorted(f"ormas/{i}" for i in ids + more)


async def test_a_sweep_publishes_a_backlog_larger_than_many_pages(setup, kafka):
    """A sweep takes every pending document in one pass, then publishes a page at a time."""
    coll, producer, topic = setup
    ids = [uuid.uuid4().hex for _ in range(230)]
    await coll.insert_many([_pending(oid) for oid in ids])
    await coll.insert_many([{"_id": uuid.uuid4().hex, "version": 1, "_outbox": []} for _ in range(50)])  # published
    relay = outbox.OutboxRelay(producer, [coll], topic_for=lambda _: topic, batch=20)
    assert await relay.drain() == 230
    assert await _none_pending(coll)
    assert await relay.drain() == 0


async def test_a_long_sweep_still_reads_the_hints_of_writes_made_after_its_scan(setup, kafka):
    """A worker writes while a sweep works through a backlog it scanned before that write: the
    sweep reads the hints between its pages, so the write does not wait for the sweep's end."""
    coll, producer, topic = setup
    hints = coll.database["hints"]
    ids = [uuid.uuid4().hex for _ in range(outbox.SWEEP_PAGES_PER_HINTS * 10 + 5)]
    await coll.insert_many([_pending(oid) for oid in ids])
    late = uuid.uuid4().hex

    class Writing(outbox.OutboxRelay):  # a worker's write and its hint land after the sweep's first page
        async def _publish(self, c, page, **kw):
            if not await coll.find_one({"_id": late}):
                await coll.insert_one(_pending(late))
                h = outbox.hint_document(coll.name, late)
                await hints.replace_one({"_id": h["_id"]}, h, upsert=True)
            return await super()._publish(c, page, **kw)

    relay = Writing(producer, [coll], topic_for=lambda _: topic, batch=10, hints=hints)
    assert await relay.drain() == len(ids)  # what it scanned, each once
    assert await _none_pending(coll, hints)  # and the late write, named by its hint
    msgs = await kafka.read(topic, until=lambda m: len(m) >= len(ids) + 1)
    assert sorted(json.loads(m.value)["subject"] for m in msgs) == sorted(f"ormas/{i}" for i in ids + [late])
