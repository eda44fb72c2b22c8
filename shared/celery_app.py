"""Celery configured for work that must not be lost or doubled: late acks, requeue when a worker
dies, one task prefetched at a time, a visibility timeout longer than any task or countdown.
Workers and beat log JSON through the APIs' masking formatter (``shared/logs.py``). A worker
serves /metrics on ``metrics_port``: its pool's processes count into ``PROMETHEUS_MULTIPROC_DIR``
(set in their environment, so every process counts there from its first import) and the main
process serves their sum."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import prometheus_client
from celery import Celery
from celery.signals import setup_logging, worker_init, worker_process_shutdown, worker_ready, worker_shutdown
from prometheus_client import multiprocess

from shared import logs, tracing
from shared.settings import ServiceSettings

VISIBILITY_TIMEOUT = 6 * 3600  # longer than the longest countdown (quiet hours) or task


def make_celery(settings: ServiceSettings, queue: str) -> Celery:
    app = Celery(settings.service_name, broker=settings.redis_url, backend=settings.redis_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=queue,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=24 * 3600,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        result_backend_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        timezone="UTC",
        enable_utc=True,
    )

    @setup_logging.connect(weak=False)
    def _logging(**_):  # connected: Celery leaves the loggers to us, in the worker, its pool and beat
        role = "beat" if "beat" in sys.argv else "worker"
        logs.configure_logging(f"{settings.service_name}-{role}", settings.log_level)
        tracing.setup(f"{settings.service_name}-{role}")

    @worker_init.connect(weak=False)
    def _metrics(**_):  # in the main process, before its pool starts
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if not (settings.metrics_port and directory):
            return
        Path(directory).mkdir(parents=True, exist_ok=True)
        for stale in Path(directory).glob("*.db"):  # an earlier run's processes
            if not stale.stem.endswith(f"_{os.getpid()}"):
                stale.unlink(missing_ok=True)
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        prometheus_client.start_http_server(settings.metrics_port, addr=settings.metrics_host, registry=registry)

    @worker_process_shutdown.connect(weak=False)
    def _gone_process(pid=None, **_):
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            multiprocess.mark_process_dead(pid or os.getpid())

    @worker_ready.connect(weak=False)
    def _ready(**_):
        if settings.ready_file:
            settings.ready_file.write_text("ready\n")

    @worker_shutdown.connect(weak=False)
    def _gone(**_):
        if settings.ready_file:
            settings.ready_file.unlink(missing_ok=True)

    return app
