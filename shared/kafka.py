"""Kafka on aiokafka: an idempotent producer, topic creation, and a consumer runner that is
at-least-once, safe across rebalances, and sends what it cannot parse to ``<topic>.dlq``.

The runner's contract with a handler: the handler is idempotent; it raises ``ContractError`` (or a
subclass) for a message that can never be processed, and anything else for a transient failure,
which is retried with backoff without committing past the message.

A runner may be given ``floors``: offsets below which a partition's events are already in its
projections (a rebuild replayed them). It reads them every ``FLOOR_INTERVAL`` seconds and skips up to
them, committing the skip, instead of applying those events again one write each."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError, TopicAlreadyExistsError
from opentelemetry import trace
from prometheus_client import Counter

from shared import ferretdb, tracing
from shared.contracts import Contract, ContractError, decode, encode, validate_event

log = logging.getLogger(__name__)

EVENTS_PUBLISHED = Counter("kesbang_events_published_total", "Events published to Kafka", ["topic"])
EVENTS_CONSUMED = Counter("kesbang_events_consumed_total", "Events processed by a consumer", ["group", "topic"])
EVENTS_DEAD_LETTERED = Counter("kesbang_events_dead_lettered_total", "Messages sent to a DLQ", ["group", "topic"])
HANDLER_RETRIES = Counter("kesbang_consumer_retries_total", "Transient handler failures retried", ["group"])

Handler = Callable[[dict[str, Any], Contract], Awaitable[None]]
Floors = Callable[[], Awaitable[dict[TopicPartition, int]]]
FLOOR_INTERVAL = 5.0


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


# Topics whose every event is an entity's whole state, keyed by its id (a version-checked snapshot
# for each consumer): Kafka may compact them to the newest event per key, which is all a rebuild
# reads. Compaction leaves the last week alone, so a consumer that lags (or a notice such as
# ``skt_expiring`` not yet read) never loses an event it has not seen. The other topics keep
# everything (retention -1 in compose): reporting and the copies rebuild from them.
COMPACTED = ("registry.ormas", "registry.office")
COMPACTION_LAG_MS = 7 * 24 * 3600 * 1000


def topic_config(topic: str) -> dict[str, str]:
    """The configs a topic is created with (``topic`` may carry the test prefix)."""
    if topic.endswith(COMPACTED):
        return {"cleanup.policy": "compact", "min.compaction.lag.ms": str(COMPACTION_LAG_MS)}
    return {}


async def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [NewTopic(t, num_partitions=partitions, replication_factor=1, topic_configs=topic_config(t))
               for t in topics if t not in existing]
        if new:
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass
    finally:
        await admin.close()


class EventProducer:
    """Idempotent (enable_idempotence, acks=all) producer of validated CloudEvents."""

    def __init__(self, bootstrap: str, *, client_id: str, send_timeout: float = 20.0):
        self.send_timeout = send_timeout
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, client_id=client_id, enable_idempotence=True, acks="all",
            linger_ms=5, request_timeout_ms=15000,
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def ready(self) -> None:
        await asyncio.wait_for(self._producer.client.fetch_all_metadata(), 3)

    async def publish(self, topic: str, key: str, event: dict[str, Any]) -> None:
        await self.publish_many([(topic, key, event)])

    async def publish_many(self, items: list[tuple[str, str, dict[str, Any]]]) -> None:
        """Publishes (topic, key, event) triples: validated, queued in order, awaited together.

        Bounded in time: with the broker gone a publish fails (and the outbox keeps the events)
        instead of hanging."""
        for _, _, event in items:
            validate_event(event)
        futures = []
        for topic, key, event in items:
            futures.append(await asyncio.wait_for(self._producer.send(
                topic, value=encode(event), key=key.encode(), headers=_headers(event.get("traceparent"))),
                self.send_timeout))
        if futures:
            await asyncio.wait_for(asyncio.gather(*futures), self.send_timeout)
        for topic, _, _ in items:
            EVENTS_PUBLISHED.labels(topic).inc()

    async def send_raw(self, topic: str, key: str | None, value: bytes | None, *,
                       headers: list[tuple[str, bytes]] | None = None) -> None:
        """Sends bytes as they are (the DLQ's copy of a message that is not a valid event)."""
        await asyncio.wait_for(self._producer.send_and_wait(
            topic, value=value, key=key.encode() if key else None, headers=list(headers or [])),
            self.send_timeout)
        EVENTS_PUBLISHED.labels(topic).inc()


def _headers(traceparent: str | None, extra: list[tuple[str, bytes]] | None = None) -> list[tuple[str, bytes]]:
    hdrs = list(extra or [])
    if traceparent:
        hdrs.append(("traceparent", traceparent.encode()))
    hdrs.append(("content-type", b"application/cloudevents+json"))
    return hdrs


# MongoDB error codes that say "not now" rather than "never": shutdown, timeouts, write conflicts
_TRANSIENT_CODES = {6, 7, 50, 89, 91, 112, 189, 262, 11600, 11602, 13435, 13436}


def transient(e: BaseException) -> bool:
    """An error that retrying the same message can outlive (a server away, a timeout) — retried
    without bound. Any other error is the message's own and is retried a few times only."""
    from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

    if isinstance(e, (KafkaError, OSError, asyncio.TimeoutError, TimeoutError, ConnectionFailure)):
        return True
    if isinstance(e, OperationFailure) and (e.code in _TRANSIENT_CODES or ferretdb.vanished(e)):
        return True
    if isinstance(e, PyMongoError) and (e.timeout or e.has_error_label("RetryableWriteError")):
        return True
    try:
        import redis.exceptions
    except ImportError:  # pragma: no cover
        return False
    return isinstance(e, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError))


class _Listener(ConsumerRebalanceListener):
    def __init__(self, runner: "ConsumerRunner"):
        self.runner = runner

    async def on_partitions_revoked(self, revoked):
        # commit what was processed (and what the handler deferred, written first) before the
        # partitions move to another member
        try:
            await self.runner._end_batch(retry=False)
        except Exception as e:  # not committed: the next owner gets these again (handlers are idempotent)
            log.warning("batch end failed at revocation, offsets not committed: %r", e)
            return
        await self.runner._commit(only=set(revoked))

    async def on_partitions_assigned(self, assigned):
        log.info("partitions assigned", extra={"partitions": sorted(f"{tp.topic}:{tp.partition}" for tp in assigned)})


class ConsumerRunner:
    def __init__(self, *, bootstrap: str, group_id: str, topics: list[str], handler: Handler,
                 producer: EventProducer, max_backoff: float = 30.0, on_started: Callable[[], None] | None = None,
                 on_batch_end: Callable[[], Awaitable[None]] | None = None, max_failures: int = 5,
                 floors: Floors | None = None):
        self.group_id = group_id
        self.max_failures = max_failures  # of a non-transient error, before the message is dead-lettered
        self.topics = topics
        self.handler = handler
        self.producer = producer
        self.max_backoff = max_backoff
        self.on_started = on_started
        self.on_batch_end = on_batch_end  # e.g. writes a handler deferred; always before the commit
        self._processed: dict[TopicPartition, int] = {}
        self._floors_source = floors
        self._skipped_to: dict[TopicPartition, int] = {}
        self._floors_read = float("-inf")
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group_id, client_id=group_id,
            enable_auto_commit=False, auto_offset_reset="earliest", max_poll_records=200,
            session_timeout_ms=20000, heartbeat_interval_ms=3000, max_poll_interval_ms=300000,
            isolation_level="read_committed",
        )
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        self._consumer.subscribe(self.topics, listener=_Listener(self))
        await self._consumer.start()
        if self.on_started:
            self.on_started()
        try:
            while not self._stopping.is_set():
                await self._skip_to_floors()
                batch = await self._consumer.getmany(timeout_ms=500)
                # Partitions are applied side by side, each in its order: one key's events stay in
                # sequence, and the database's round trips overlap instead of queueing one by one.
                await asyncio.gather(*(self._process_partition(tp, messages) for tp, messages in batch.items()))
                await self._end_batch()
                await self._commit()
        finally:
            try:
                await self._end_batch(retry=False)
                await self._commit()
            finally:
                await self._consumer.stop()

    async def _end_batch(self, retry: bool = True) -> None:
        """Runs ``on_batch_end`` (retrying a failure like a handler's: the batch's offsets are not
        committed before it succeeds); when stopping, one attempt — its failure skips the commit."""
        if not self.on_batch_end:
            return
        backoff = 0.2
        while True:
            try:
                await self.on_batch_end()
                return
            except Exception as e:
                if not retry or self._stopping.is_set():
                    raise
                HANDLER_RETRIES.labels(self.group_id).inc()
                log.warning("batch end failed, retrying in %.1fs: %r", backoff, e)
                await asyncio.sleep(backoff * (0.5 + random.random()))
                backoff = min(backoff * 2, self.max_backoff)

    async def _skip_to_floors(self) -> None:
        """Seeks each assigned partition that is behind its floor up to it, and marks the skip as
        processed so that it is committed. A floor beyond the partition's end (its topic was made
        again since) is ignored."""
        loop = asyncio.get_running_loop()
        if self._floors_source is None or loop.time() - self._floors_read < FLOOR_INTERVAL:
            return
        self._floors_read = loop.time()
        try:
            floors = await self._floors_source()
        except Exception as e:  # the floors only save work: without them every event is applied
            log.warning("floors not read: %r", e)
            return
        behind = {tp: floor for tp, floor in floors.items()
                  if tp in self._consumer.assignment() and await self._consumer.position(tp) < floor}
        if not behind:
            return
        end = await self._consumer.end_offsets(list(behind))
        for tp, floor in behind.items():
            if floor > end[tp]:
                log.warning("floor %s:%d=%d is beyond the end %d: ignored", tp.topic, tp.partition, floor, end[tp])
                continue
            log.info("skipping %s:%d up to %d: already in the projections", tp.topic, tp.partition, floor)
            self._consumer.seek(tp, floor)
            self._skipped_to[tp] = floor
            self._processed[tp] = max(self._processed.get(tp, 0), floor)

    async def _process_partition(self, tp: TopicPartition, messages) -> None:
        floor = self._skipped_to.get(tp, 0)
        for msg in messages:
            if self._stopping.is_set() or tp not in self._consumer.assignment():
                return
            if msg.offset < floor:  # fetched before the seek to the floor
                continue
            await self._process(msg)
            self._processed[tp] = msg.offset + 1

    async def _commit(self, only: set[TopicPartition] | None = None) -> None:
        assigned = self._consumer.assignment()
        offsets = {tp: off for tp, off in self._processed.items()
                   if tp in assigned and (only is None or tp in only)}
        if not offsets:
            return
        try:
            await self._consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as e:
            # The group rebalanced under us: these messages will be redelivered to whoever owns the
            # partition now, and handlers are idempotent. Never retry this commit in a loop and never
            # let it kill the consumer (that only causes another rebalance).
            log.warning("commit skipped after rebalance: %s", e)
        for tp in offsets:
            if self._processed.get(tp) == offsets[tp]:
                del self._processed[tp]

    async def _process(self, msg) -> None:
        headers = dict(msg.headers or [])
        # the trace of the write that raised the event continues here
        with tracing.continued(headers.get("traceparent"), f"{msg.topic} process", kind=trace.SpanKind.CONSUMER,
                               **{"messaging.system": "kafka", "messaging.destination.name": msg.topic,
                                  "messaging.consumer.group.name": self.group_id}):
            try:
                event, contract = decode(msg.value)
            except ContractError as e:
                await self._dead_letter(msg, str(e))
                return
            backoff = 0.2
            failures = 0
            while True:
                try:
                    await self.handler(event, contract)
                    EVENTS_CONSUMED.labels(self.group_id, msg.topic).inc()
                    return
                except ContractError as e:
                    await self._dead_letter(msg, str(e))
                    return
                except Exception as e:  # retry the same message, do not commit past it
                    if self._stopping.is_set():
                        raise
                    if not transient(e):
                        failures += 1
                        if failures >= self.max_failures:  # a poison message: it would stall its partition
                            await self._dead_letter(msg, f"handler failed {failures} times: {e!r}"[:4000])
                            return
                    HANDLER_RETRIES.labels(self.group_id).inc()
                    log.warning("handler failed, retrying in %.1fs: %r", backoff, e)
                    await asyncio.sleep(backoff * (0.5 + random.random()))
                    backoff = min(backoff * 2, self.max_backoff)

    async def _dead_letter(self, msg, reason: str) -> None:
        log.error("message to DLQ", extra={"topic": msg.topic, "partition": msg.partition,
                                           "offset": msg.offset, "reason": reason})
        headers = [
            ("dlq.topic", msg.topic.encode()), ("dlq.partition", str(msg.partition).encode()),
            ("dlq.offset", str(msg.offset).encode()), ("dlq.error", reason.encode()[:4000]),
            ("dlq.group", self.group_id.encode()),
        ]
        backoff = 0.2
        while True:
            try:
                await self.producer.send_raw(dlq_topic(msg.topic), msg.key.decode(errors="replace") if msg.key else None,
                                             msg.value, headers=headers)
                EVENTS_DEAD_LETTERED.labels(self.group_id, msg.topic).inc()
                return
            except KafkaError as e:
                log.warning("DLQ publish failed, retrying: %r", e)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
