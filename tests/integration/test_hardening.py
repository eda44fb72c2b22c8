"""Reliability fixes against the real servers: a poison message is dead-lettered after a few tries
while a transient error is retried; every exception settles a notification; quiet hours are
recorded; stuck reports are recovered; logins are throttled per client address in Redis; TTL
indexes the local database lacks are swept."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import http.server
import threading
import uuid

import pytest
import redis.asyncio as aioredis
from pymongo.errors import DuplicateKeyError

from services.notifications.adapters import channels
from services.notifications.adapters.store import MessageStore
from services.notifications.domain import messages
from services.registry.adapters.throttle import Locked, LoginThrottle
from shared import mongo as shared_mongo
from shared.contracts import encode
from shared.kafka import COMPACTION_LAG_MS, ConsumerRunner, EventProducer, dlq_topic, ensure_topics
from tests.helpers import eventually
from tests.integration.test_consumer import _event
from tests.integration.test_notifications_store import _event as invitation_event

pytestmark = pytest.mark.integration


# --- 20. poison messages ----------------------------------------------------------------------------

async def test_a_poison_message_is_dead_lettered_and_the_next_one_is_processed(infra, kafka):
    topic = f"it-poison-{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.kafka, [topic, dlq_topic(topic)], 1)
    producer = EventProducer(infra.kafka, client_id="it-poison")
    await producer.start()
    poison, good = _event(uuid.uuid4().hex), _event(uuid.uuid4().hex)
    flaky = _event(uuid.uuid4().hex)
    tries: dict[str, int] = {}
    done: list[str] = []

    async def handler(event, contract):
        tries[event["id"]] = tries.get(event["id"], 0) + 1
        if event["id"] == poison["id"]:
            raise KeyError("a field this code did not expect")
        if event["id"] == flaky["id"] and tries[event["id"]] <= 7:  # more than the poison bound
            raise ConnectionResetError("the database went away")
        done.append(event["id"])

    for e in (poison, flaky, good):
        await kafka.produce(topic, encode(e), key=b"k")
    runner = ConsumerRunner(bootstrap=infra.kafka, group_id=f"it-{uuid.uuid4().hex[:6]}", topics=[topic],
                            handler=handler, producer=producer, max_backoff=0.2)
    task = asyncio.create_task(runner.run())
    try:
        dead = await kafka.read(dlq_topic(topic), until=lambda m: len(m) >= 1, timeout=30)
        await eventually(lambda: _async(len(done) == 2), timeout=30, what="the messages after the poison one")
    finally:
        runner.stop()
        await task
        await producer.stop()
        await kafka.delete_topics_with_prefix(topic)
    assert tries[poison["id"]] == runner.max_failures
    assert done == [flaky["id"], good["id"]] and tries[flaky["id"]] == 8  # transient: retried past the bound
    assert b"handler failed 5 times" in dict(dead[0].headers)["dlq.error"] and b"KeyError" in dict(dead[0].headers)["dlq.error"]


async def _async(value):
    return value


# --- 17, 18. every exception settles a notification; quiet hours are recorded ----------------------

class _Provider(http.server.BaseHTTPRequestHandler):
    """Answers as the WhatsApp Cloud API does in two bad moods."""

    mode = "429-date"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if _Provider.mode == "429-date":
            when = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90), usegmt=True)
            self.send_response(429)
            self.send_header("Retry-After", when)
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "rate limited"}}')
        else:  # accepted, but the answer is no JSON
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture()
def provider():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture()
async def notif_db(mongo):
    name = f"it_settle_{uuid.uuid4().hex[:8]}"
    yield name
    await mongo.drop_database(name)


class _Worker:
    """The send use case with this test's settings and ports; what it schedules is recorded."""

    def __init__(self, settings, store, limiter, whatsapp):
        self.settings, self.store, self.limiter, self.whatsapp = settings, store, limiter, whatsapp
        self.later: list[tuple[str, float]] = []
        self.fallbacks: list[str] = []

    def _store(self):
        return self.store

    def send(self, mid: str) -> dict:
        from services.notifications.application import delivery

        return delivery.send(delivery.Ports(store=self.store, limiter=lambda: self.limiter,
                                            channel=lambda name: self.whatsapp,
                                            later=lambda m, seconds: self.later.append((m, seconds)),
                                            enqueue=lambda m: self.later.append((m, 0.0)), config=self.settings), mid)


@pytest.fixture()
def worker(monkeypatch, infra, notif_db, provider):
    import redis

    from services.notifications import worker as w
    from services.notifications.adapters.ratelimit import RateLimiter
    from services.notifications.application import delivery

    s = w.settings.model_copy(update={"mongo_url": infra.mongo_url, "mongo_db": notif_db, "whatsapp_api_url": provider,
                                      "whatsapp_phone_number_id": "123", "whatsapp_token": "t" * 20,
                                      "quiet_from": 0, "quiet_until": 0})
    r = redis.Redis.from_url(f"{infra.redis_url}/15")
    r.flushdb()
    worker = _Worker(s, MessageStore(infra.mongo_url, notif_db),
                     RateLimiter(r, {"email": 100.0, "whatsapp": 100.0, "sms": 100.0}), channels.WhatsApp(s))
    monkeypatch.setattr(delivery, "fall_back", lambda ports, msg, now: worker.fallbacks.append(msg["_id"]))
    return worker


def _whatsapp_message(store: MessageStore) -> str:
    now = dt.datetime.now(dt.UTC)
    docs = messages.for_invitation(invitation_event(f"k{uuid.uuid4().hex[:6]}:o1")["data"], now)
    wa = next(d for d in docs if d["channel"] == "whatsapp")
    store.coll.insert_one(wa)
    return wa["_id"]


def test_a_429_with_an_http_date_is_a_rate_limit_not_a_send(worker):
    _Provider.mode = "429-date"
    store = worker._store()
    mid = _whatsapp_message(store)
    assert worker.send(mid)["status"] == "rate_limited"
    m = store.get(mid)
    assert m["status"] == "queued" and m["handed_at"] is None
    wait = (m["not_before"] - dt.datetime.now(dt.UTC)).total_seconds()
    assert 60 < wait <= 91 and 60 < worker.later[-1][1] <= 91


def test_an_answer_that_cannot_be_read_settles_the_message_as_sent_unconfirmed(worker):
    _Provider.mode = "garbled"
    store = worker._store()
    mid = _whatsapp_message(store)
    assert worker.send(mid)["status"] == "sent"
    m = store.get(mid)
    assert m["status"] == "sent" and m.get("unconfirmed") is True and m["claim"] is None
    assert worker.send(mid)["status"] == "sent"  # settled: not claimed again


def test_a_letter_that_cannot_be_written_fails_and_falls_back(worker):
    store = worker._store()
    mid = _whatsapp_message(store)
    store.coll.update_one({"_id": mid}, {"$set": {"payload": {"kegiatan": {}}}})
    assert worker.send(mid)["status"] == "failed"
    m = store.get(mid)
    assert m["status"] == "failed" and "letter" in m["error"] and worker.fallbacks == [mid]


def test_quiet_hours_are_recorded_so_recovery_leaves_the_message_alone(worker, monkeypatch):
    store = worker._store()
    mid = _whatsapp_message(store)
    now = dt.datetime.now(dt.UTC)
    hour = (now + dt.timedelta(hours=7)).hour  # WIB
    monkeypatch.setattr(worker, "settings", worker.settings.model_copy(
        update={"quiet_from": hour, "quiet_until": (hour + 2) % 24}))
    store.coll.update_one({"_id": mid}, {"$set": {"enqueued_at": now - dt.timedelta(hours=1)}})
    assert worker.send(mid)["status"] == "waiting"
    m = store.get(mid)
    assert m["not_before"] > now + dt.timedelta(minutes=30)
    assert mid not in store.stuck(now, now - dt.timedelta(minutes=2), broker_idle=True)
    assert mid in store.stuck(m["not_before"] + dt.timedelta(minutes=5), m["not_before"] + dt.timedelta(minutes=3),
                              broker_idle=True)  # once the morning has come, it is not forgotten


def test_retry_after_reads_both_forms():
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    assert channels.retry_after("120", now=now) == 120
    assert channels.retry_after("Tue, 01 Dec 2026 12:05:00 GMT", now=now) == 300
    assert channels.retry_after("Tue, 01 Dec 2026 11:00:00 GMT", now=now) == 1  # in the past: at once
    assert channels.retry_after("kapan-kapan", now=now) == 5 and channels.retry_after(None) == 5
    assert channels.retry_after("999999") == 3600


# --- 19. stuck reports ------------------------------------------------------------------------------

async def test_a_report_left_running_or_queued_is_enqueued_again_once(mongo):
    from services.reporting.application import reports as use
    from services.reporting.worker import settings

    name = f"it_reports_{uuid.uuid4().hex[:8]}"
    quiet = settings.recover_after_seconds
    now = dt.datetime.now(dt.UTC)
    db = mongo[name]
    await db["reports"].insert_many([
        {"_id": "killed", "status": "running", "lease_until": now - dt.timedelta(minutes=1), "requested_at": now},
        {"_id": "lost", "status": "queued", "requested_at": now - dt.timedelta(minutes=30)},
        {"_id": "working", "status": "running", "lease_until": now + dt.timedelta(minutes=4), "requested_at": now},
        {"_id": "waiting", "status": "queued", "requested_at": now - dt.timedelta(seconds=10)}])
    try:
        ports = use.Ports.of(db)
        assert sorted(await use.stuck(ports, now, quiet)) == ["killed", "lost"]
        assert await use.stuck(ports, now + dt.timedelta(seconds=30), quiet) == []  # marked: not every minute
    finally:
        await mongo.drop_database(name)


# --- 3. login throttling per client address -----------------------------------------------------------

async def test_failed_logins_from_one_address_lock_it_for_every_account(infra):
    r = aioredis.from_url(f"{infra.redis_url}/14")
    await r.flushdb()
    throttle = LoginThrottle(r, account_max=5, address_max=3, window=60, namespace=uuid.uuid4().hex[:6])
    try:
        for i in range(3):
            await throttle.check(f"user{i}", "203.0.113.9")
            await throttle.failed(f"user{i}", "203.0.113.9")
        with pytest.raises(Locked) as locked:
            await throttle.check("someone-else", "203.0.113.9")
        assert locked.value.what == "address" and 0 < locked.value.retry_after <= 60
        await throttle.check("someone-else", "198.51.100.7")  # another address may try
    finally:
        await r.aclose()


# --- 24. processed ids expire; TTL indexes the local database lacks are swept -----------------------

async def test_processed_ids_expire_after_twice_kafkas_retention(mongo):
    from shared import idempotency

    db = mongo[f"it_ttl_{uuid.uuid4().hex[:8]}"]
    try:
        expiries = await shared_mongo.ensure_indexes(db, {idempotency.COLLECTION: idempotency.INDEXES})
        info = {i["name"]: i async for i in await db[idempotency.COLLECTION].list_indexes()}
        if expiries:  # FerretDB: swept by the process instead of the server, and no index made
            assert expiries == [(idempotency.COLLECTION, "at", 14 * 24 * 3600)] and "at_ttl" not in info
        else:
            assert info["at_ttl"]["expireAfterSeconds"] == 14 * 24 * 3600
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=15)
        await db[idempotency.COLLECTION].insert_many([{"_id": "c:old", "at": old},
                                                      {"_id": "c:new", "at": dt.datetime.now(dt.UTC)}])
        stop = asyncio.Event()
        sweep = asyncio.create_task(shared_mongo.sweep_expired(db, expiries or [(idempotency.COLLECTION, "at", 14 * 86400)], stop))
        await eventually(lambda: _gone(db), timeout=10, what="the old mark swept")
        stop.set()
        await sweep
        assert await db[idempotency.COLLECTION].count_documents({"_id": "c:new"}) == 1
    finally:
        await mongo.drop_database(db.name)


async def _gone(db):
    return await db["processed_events"].count_documents({"_id": "c:old"}) == 0


async def test_a_server_that_queries_no_secondary_index_gets_only_the_unique_ones(mongo):
    """On the local FerretDB only unique indexes are made (constraints; a secondary index there
    costs every write and serves no query), and one an earlier start made is dropped; on MongoDB
    each declared index is made."""
    from pymongo import IndexModel

    db = mongo[f"it_idx_{uuid.uuid4().hex[:8]}"]
    try:
        await db["c"].create_index([("region", 1)], name="region")  # an earlier start's
        await shared_mongo.ensure_indexes(db, {"c": [IndexModel([("region", 1)], name="region"),
                                                     IndexModel([("key", 1)], name="key", unique=True)]})
        names = {i["name"] async for i in await db["c"].list_indexes()}
        assert names - {"_id_"} == ({"region", "key"} if shared_mongo.capabilities().secondary_indexes else {"key"})
        await db["c"].insert_one({"_id": 1, "key": "a"})
        with pytest.raises(DuplicateKeyError):  # the unique one holds
            await db["c"].insert_one({"_id": 2, "key": "a"})
    finally:
        await mongo.drop_database(db.name)



async def test_the_local_redis_is_redis_7_as_compose_runs_it(infra):
    client = aioredis.Redis.from_url(infra.redis_url)
    try:
        version = (await client.info("server"))["redis_version"]
    finally:
        await client.aclose()
    assert int(version.split(".")[0]) >= 7, version


# --- 21. compacted snapshot topics -------------------------------------------------------------------

async def test_the_ormas_topic_is_compacted_and_the_others_keep_everything(infra):
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    prefix = f"it-compact-{uuid.uuid4().hex[:8]}."
    ormas, kegiatan = prefix + "registry.ormas", prefix + "events.kegiatan"
    await ensure_topics(infra.kafka, [ormas, dlq_topic(ormas), kegiatan], 1)
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka)
    await admin.start()
    try:
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, t) for t in (ormas, dlq_topic(ormas), kegiatan)])
    finally:
        await admin.close()
    configs = {resource[3]: {entry[0]: entry[1] for entry in resource[4]}
               for response in responses for resource in response.resources}
    assert configs[ormas]["cleanup.policy"] == "compact"
    assert int(configs[ormas]["min.compaction.lag.ms"]) == COMPACTION_LAG_MS
    assert configs[dlq_topic(ormas)]["cleanup.policy"] == "delete"
    assert configs[kegiatan]["cleanup.policy"] == "delete"
