"""The consumer runner against real Kafka: bad messages to the DLQ with the reason, good ones
processed, transient failures retried without committing past, redelivery harmless."""

import asyncio
import json
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.contracts import encode, make_event
from shared.idempotency import INDEXES, ProcessedEvents
from shared.kafka import ConsumerRunner, EventProducer, dlq_topic, ensure_topics
from shared.mongo import ensure_indexes
from shared.readmodel import upsert_versioned
from tests.helpers import eventually

pytestmark = pytest.mark.integration


def _event(oid: str, version: int = 1, name: str = "Pemuda Pancasila"):
    return make_event("registry.ormas.created", source="/test", subject=f"ormas/{oid}",
                      data={"ormas_id": oid, "version": version, "name": name, "acronym": "PP", "kind": "ormas",
                            "region": "35.75", "status": "unregistered", "email": None},
                      region="35.75", sequence=version)


@pytest.fixture()
async def topic(infra, kafka):
    name = f"it-consumer-{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.kafka, [name, dlq_topic(name)], 1)
    yield name
    await kafka.delete_topics_with_prefix(name)


@pytest.fixture()
async def producer(infra):
    p = EventProducer(infra.kafka, client_id="it-consumer")
    await p.start()
    yield p
    await p.stop()


async def _committed(infra, group: str, topic: str) -> int | None:
    c = AIOKafkaConsumer(bootstrap_servers=infra.kafka, group_id=group, enable_auto_commit=False)
    await c.start()
    try:
        return await c.committed(TopicPartition(topic, 0))
    finally:
        await c.stop()


async def test_malformed_messages_go_to_the_dlq_with_the_reason_and_consuming_goes_on(infra, kafka, topic, producer):
    seen: list[str] = []

    async def handler(event, contract):
        seen.append(event["id"])

    good_before, good_after = _event(uuid.uuid4().hex), _event(uuid.uuid4().hex)
    bad_schema = _event(uuid.uuid4().hex)
    bad_schema["data"]["kind"] = "partai"
    await kafka.produce(topic, encode(good_before), key=b"a")
    await kafka.produce(topic, b"{this is not json", key=b"b")
    await kafka.produce(topic, json.dumps(bad_schema).encode(), key=b"c")
    await kafka.produce(topic, encode(good_after), key=b"d")

    group = f"it-{uuid.uuid4().hex[:6]}"
    runner = ConsumerRunner(bootstrap=infra.kafka, group_id=group, topics=[topic], handler=handler, producer=producer)
    task = asyncio.create_task(runner.run())
    try:
        dead = await kafka.read(dlq_topic(topic), until=lambda m: len(m) >= 2)
        await eventually(lambda: _true(len(seen) == 2), timeout=20, what="both good events")
    finally:
        runner.stop()
        await task
    assert seen == [good_before["id"], good_after["id"]]
    headers = [dict(m.headers) for m in dead]
    assert headers[0]["dlq.topic"].decode() == topic and headers[0]["dlq.offset"] == b"1"
    assert headers[0]["dlq.partition"] == b"0" and b"not JSON" in headers[0]["dlq.error"]
    assert headers[1]["dlq.offset"] == b"2" and b"kind" in headers[1]["dlq.error"]
    assert dead[0].value == b"{this is not json"  # the original bytes, for replay after a fix
    assert await _committed(infra, group, topic) == 4  # committed past the bad ones


async def test_transient_failures_are_retried_and_nothing_is_committed_past_them(infra, kafka, topic, producer):
    attempts: list[str] = []

    async def flaky(event, contract):
        attempts.append(event["id"])
        if len(attempts) < 3:
            raise ConnectionError("database briefly unavailable")

    event = _event(uuid.uuid4().hex)
    await kafka.produce(topic, encode(event))
    group = f"it-{uuid.uuid4().hex[:6]}"
    runner = ConsumerRunner(bootstrap=infra.kafka, group_id=group, topics=[topic], handler=flaky, producer=producer,
                            max_backoff=0.5)
    task = asyncio.create_task(runner.run())
    try:
        await eventually(lambda: _true(len(attempts) >= 3), timeout=20, what="three attempts")
        await eventually(lambda: _committed(infra, group, topic), timeout=10, what="the commit")
    finally:
        runner.stop()
        await task
    assert attempts == [event["id"]] * 3
    assert await _committed(infra, group, topic) == 1


async def test_a_second_consumer_in_the_group_takes_over_what_the_first_left_uncommitted(infra, kafka, topic, producer, mongo):
    """At-least-once: a consumer that dies before committing leaves its messages to the next one;
    the processed-ids store and version checks make the redelivery harmless."""
    db = mongo[f"it_idem_{uuid.uuid4().hex[:6]}"]
    await ensure_indexes(db, {"processed_events": INDEXES})
    processed = ProcessedEvents(db, "it")
    copies = db["copies"]
    applied: list[str] = []
    calls: list[str] = []

    async def handler(event, contract):
        calls.append(event["id"])

        async def apply():
            applied.append(event["id"])
            await upsert_versioned(copies, event["data"]["ormas_id"], event["data"]["version"],
                                   {"name": event["data"]["name"]})
        await processed.once(event["id"], apply)

    oid = uuid.uuid4().hex
    v1, v2 = _event(oid, 1, "Nama Lama"), _event(oid, 2, "Nama Baru")
    for e in (v1, v2, v1):  # v1 re-published after v2, as a relay retry would
        await kafka.produce(topic, encode(e), key=oid.encode())
    group = f"it-{uuid.uuid4().hex[:6]}"
    for run in (1, 2):  # the same messages consumed twice by the group (first run never commits)
        runner = ConsumerRunner(bootstrap=infra.kafka, group_id=group, topics=[topic], handler=handler,
                                producer=producer)
        runner._commit = _no_commit  # simulate a crash before any commit
        task = asyncio.create_task(runner.run())
        await eventually(lambda: _true(len(calls) >= 3 * run), timeout=20, what=f"delivery round {run}")
        runner.stop()
        await task
    assert calls == [v1["id"], v2["id"], v1["id"]] * 2  # everything was delivered twice
    assert applied == [v1["id"], v2["id"]]  # each event's effect applied once
    doc = await copies.find_one({"_id": oid})
    assert doc == {"_id": oid, "version": 2, "name": "Nama Baru"}  # the late v1 did not roll it back
    await mongo.drop_database(db.name)


async def test_deferred_marks_are_written_at_the_batch_end_and_hold_within_it(mongo):
    """A batching consumer's marks: an event repeated inside the batch is applied once; nothing is
    marked before ``flush`` (a crash re-applies the batch); after it, a redelivery is a no-op, and
    flushing a batch whose marks are partly there already writes the rest."""
    db = mongo[f"it_idem_{uuid.uuid4().hex[:6]}"]
    processed = ProcessedEvents(db, "it", deferred=True)
    applied: list[str] = []

    async def apply(eid):
        applied.append(eid)

    assert await processed.once("e1", lambda: apply("e1"))
    assert not await processed.once("e1", lambda: apply("e1"))  # in the same batch
    assert await db["processed_events"].count_documents({}) == 0
    await processed.flush()
    assert await db["processed_events"].count_documents({}) == 1
    assert not await ProcessedEvents(db, "it").once("e1", lambda: apply("e1"))  # a redelivery, after the flush
    await db["processed_events"].insert_one({"_id": "it:e3", "consumer": "it", "event_id": "e3"})
    processed._marks["it:e3"] = {"_id": "it:e3", "consumer": "it", "event_id": "e3"}  # already there
    assert await processed.once("e2", lambda: apply("e2"))
    await processed.flush()
    assert sorted([d["_id"] async for d in db["processed_events"].find({})]) == ["it:e1", "it:e2", "it:e3"]
    assert applied == ["e1", "e2"]
    await mongo.drop_database(db.name)


async def _no_commit(only=None):
    return None


async def _true(value: bool):
    return value


async def test_the_trace_of_the_producing_request_is_the_handlers_trace(infra, kafka, topic, producer):
    from shared import tracing

    tracing.setup("integration")
    traces: list[str | None] = []

    async def handler(event, contract):
        traces.append(tracing.current_trace_id())

    trace_id = uuid.uuid4().hex
    event = _event(uuid.uuid4().hex)
    event["traceparent"] = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    await producer.publish(topic, "k", event)  # the producer puts the traceparent in the headers too
    runner = ConsumerRunner(bootstrap=infra.kafka, group_id=f"it-{uuid.uuid4().hex[:6]}", topics=[topic],
                            handler=handler, producer=producer)
    task = asyncio.create_task(runner.run())
    try:
        await eventually(lambda: _true(bool(traces)), timeout=20, what="the event")
    finally:
        runner.stop()
        await task
        _uninstrument()
    assert traces == [trace_id]


def _uninstrument() -> None:
    """Takes back what ``tracing.setup`` instrumented in the test process: an instrumented httpx
    would replace the traceparent that later end-to-end tests send with one of its own."""
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

    for instrumentor in (HTTPXClientInstrumentor(), PymongoInstrumentor(), CeleryInstrumentor()):
        instrumentor.uninstrument()


async def test_a_dead_letter_replayed_after_the_fix_is_processed(infra, kafka, topic, producer):
    """A handler refuses an event for good (ContractError) → DLQ; once the cause is fixed,
    ``python -m shared.dlq replay`` sends it back to its topic and the consumer takes it."""
    from shared import dlq
    from shared.contracts import ContractError

    fixed = False
    seen: list[str] = []

    async def handler(event, contract):
        if not fixed:
            raise ContractError("unknown region 99.99 (the regions table is out of date)")
        seen.append(event["id"])

    event = _event(uuid.uuid4().hex)
    await kafka.produce(topic, encode(event), key=b"k")
    group = f"it-{uuid.uuid4().hex[:6]}"
    runner = ConsumerRunner(bootstrap=infra.kafka, group_id=group, topics=[topic], handler=handler, producer=producer)
    task = asyncio.create_task(runner.run())
    try:
        await kafka.read(dlq_topic(topic), until=lambda m: len(m) >= 1)
        letters = await dlq.read(infra.kafka, topic)
        assert [m["headers"]["dlq.error"] for m in letters] == ["unknown region 99.99 (the regions table is out of date)"]
        fixed = True
        assert await dlq.replay(infra.kafka, topic, group="it-nobody") == 0  # another group's letters only
        assert await dlq.replay(infra.kafka, topic, group=group) == 1
        await eventually(lambda: _true(seen == [event["id"]]), timeout=20, what="the replayed event processed")
    finally:
        runner.stop()
        await task


async def test_what_a_handler_deferred_is_written_before_the_offsets_are_committed(infra, kafka, topic, producer):
    """``on_batch_end`` (the reporting consumer's counter flush) runs after a batch and before its
    commit; while it fails nothing is committed, and it is retried."""
    applied: list[str] = []
    flushed: list[list[str]] = []
    failures = [ConnectionError("database restarting")]

    async def handler(event, contract):
        applied.append(event["id"])

    async def flush():
        if failures:
            raise failures.pop()
        flushed.append(list(applied))

    events = [_event(uuid.uuid4().hex) for _ in range(3)]
    for e in events:
        await kafka.produce(topic, encode(e))
    group = f"it-{uuid.uuid4().hex[:6]}"
    runner = ConsumerRunner(bootstrap=infra.kafka, group_id=group, topics=[topic], handler=handler, producer=producer,
                            max_backoff=0.5, on_batch_end=flush)
    task = asyncio.create_task(runner.run())
    try:
        await eventually(lambda: _true(bool(flushed) and len(flushed[-1]) == 3), timeout=20, what="the flush")
        assert not failures  # the failed flush was retried
        assert await eventually(lambda: _committed(infra, group, topic), timeout=10, what="the commit") == 3
    finally:
        runner.stop()
        await task


async def test_a_consumer_skips_to_its_floors_and_ignores_a_floor_beyond_the_end(infra, kafka, topic, producer):
    """After a rebuild, the consumers skip what it replayed: events below a partition's floor are not
    applied again, and the skip is committed. A floor beyond the partition's end (the topic was made
    again since the rebuild) is ignored rather than skipping events to come."""
    events = [_event(uuid.uuid4().hex) for _ in range(6)]
    for e in events:
        await kafka.produce(topic, encode(e))
    tp = TopicPartition(topic, 0)

    async def consume(floor: int) -> list[str]:
        seen: list[str] = []

        async def handler(event, contract):
            seen.append(event["id"])

        async def floors():
            return {tp: floor, TopicPartition(f"{topic}-not-assigned", 0): 1}

        group = f"it-{uuid.uuid4().hex[:6]}"
        runner = ConsumerRunner(bootstrap=infra.kafka, group_id=group, topics=[topic], handler=handler,
                                producer=producer, floors=floors)
        task = asyncio.create_task(runner.run())

        async def all_committed():
            return await _committed(infra, group, topic) == 6

        try:
            await eventually(all_committed, timeout=20, what="every offset committed")
        finally:
            runner.stop()
            await task
        return seen

    assert await consume(4) == [e["id"] for e in events[4:]]
    assert await consume(100) == [e["id"] for e in events]
