"""Wiring every service repeats: the database, the producer, topics, token verification, the
readiness checks, and the consumer process's main loop with its signals, ready file and metrics."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Mapping, Sequence

import prometheus_client
from pymongo import IndexModel

from shared import idempotency, logs, mongo, tracing
from shared.auth import TokenVerifier
from shared.heap import settle_heap
from shared.kafka import ConsumerRunner, EventProducer, Floors, Handler, dlq_topic, ensure_topics
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, settings: ServiceSettings, *, indexes: Mapping[str, Sequence[IndexModel]],
                 topics: Sequence[str] = ()):
        self.settings = settings
        self.indexes = {**indexes, idempotency.COLLECTION: idempotency.INDEXES}
        self.topics = [settings.topic(t) for t in topics]
        self.client = mongo.create_client(settings.mongo_url, app_name=settings.service_name)
        self.db = self.client[settings.mongo_db]
        self.producer = EventProducer(settings.kafka_bootstrap, client_id=settings.service_name)
        self._sweep: asyncio.Task | None = None
        self.verifier = (
            TokenVerifier.from_file(settings.jwt_public_key_file, issuer=settings.jwt_issuer,
                                    audience=settings.jwt_audience)
            if settings.jwt_public_key_file else None
        )

    async def start(self) -> None:
        await mongo.detect(self.db)  # MongoDB's query paths unless the server is the local FerretDB
        expiries = await mongo.ensure_indexes(self.db, self.indexes,
                                              replaced={idempotency.COLLECTION: idempotency.REPLACED_INDEXES})
        if expiries:  # a database without TTL indexes: this process deletes what they would
            self._sweep_stop = asyncio.Event()
            self._sweep = asyncio.create_task(mongo.sweep_expired(self.db, expiries, self._sweep_stop))
        if self.topics:
            await ensure_topics(self.settings.kafka_bootstrap,
                                [*self.topics, *(dlq_topic(t) for t in self.topics)],
                                self.settings.topic_partitions)
        await self.producer.start()
        settle_heap()

    async def stop(self) -> None:
        if self._sweep is not None:
            self._sweep_stop.set()
            await self._sweep
        await self.producer.stop()
        await self.client.close()

    def ready_checks(self):
        return {"database": lambda: mongo.ping(self.db), "kafka": self.producer.ready}


def consumer_runtime(settings: ServiceSettings, *, indexes: Mapping[str, Sequence[IndexModel]]) -> Runtime:
    """The runtime of a ``python -m services.X.consumers`` process, after its logging and tracing
    (PyMongo's instrumentation sees only the clients made after it)."""
    logs.configure_logging(f"{settings.service_name}-consumers", settings.log_level)
    tracing.setup(f"{settings.service_name}-consumers")
    return Runtime(settings, indexes=indexes)


async def run_consumer_process(runtime: Runtime, *, group: str, topics: Sequence[str], handler: Handler,
                               on_batch_end: Callable[[], Awaitable[None]] | None = None,
                               on_start: Callable[[], Awaitable[None]] | None = None,
                               on_clean_stop: Callable[[], Awaitable[None]] | None = None,
                               floors: Floors | None = None) -> None:
    """The main of a ``python -m services.X.consumers`` process: consume until SIGTERM/SIGINT."""
    s = runtime.settings
    if s.metrics_port:  # consumed, dead-lettered and retried events are counted here, not in the API
        prometheus_client.start_http_server(s.metrics_port, addr=s.metrics_host)
    await runtime.start()
    if on_start:  # before the first event: e.g. repair what an unclean stop left
        await on_start()
    physical = [s.topic(t) for t in topics]
    await ensure_topics(s.kafka_bootstrap, [*physical, *(dlq_topic(t) for t in physical)], s.topic_partitions)

    def started() -> None:
        if s.ready_file:
            s.ready_file.write_text("ready\n")

    runner = ConsumerRunner(bootstrap=s.kafka_bootstrap, group_id=f"{s.topic_prefix}{group}", topics=physical,
                            handler=handler, producer=runtime.producer, on_started=started,
                            on_batch_end=on_batch_end, floors=floors)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, runner.stop)
    log.info("consuming %s as %s", ", ".join(physical), group)
    try:
        await runner.run()
        if on_clean_stop:  # only when run() returned: everything deferred was written
            await on_clean_stop()
    finally:
        if s.ready_file:
            s.ready_file.unlink(missing_ok=True)
        await runtime.stop()
