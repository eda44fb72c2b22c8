"""Helpers for tests against the real servers: awaiting a condition, reading a Kafka topic."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T]], *, timeout: float = 30.0, interval: float = 0.1,
                     what: str = "condition") -> T:
    """Polls ``probe`` until it returns a truthy value; fails the test with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = await probe()
        except Exception as e:  # not there yet (server still starting, connection refused …)
            last = e
        if last and not isinstance(last, Exception):
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


class KafkaProbe:
    def __init__(self, bootstrap: str):
        self.bootstrap = bootstrap

    async def produce(self, topic: str, value: bytes | None, key: bytes | None = None,
                      headers: list[tuple[str, bytes]] | None = None) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            await producer.send_and_wait(topic, value=value, key=key, headers=headers or [])
        finally:
            await producer.stop()

    async def read(self, topic: str, *, until: Callable[[list[Any]], bool], timeout: float = 30.0) -> list[Any]:
        """Every message on ``topic`` from the beginning, once ``until(messages)`` holds."""
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=self.bootstrap, group_id=None,
                                    auto_offset_reset="earliest", enable_auto_commit=False,
                                    client_id=f"probe-{uuid.uuid4().hex[:6]}")
        await consumer.start()
        messages: list[Any] = []
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=300)
                for msgs in batch.values():
                    messages.extend(msgs)
                if until(messages):
                    return messages
            raise AssertionError(f"timed out reading {topic}: {len(messages)} messages, condition not met")
        finally:
            await consumer.stop()

    async def delete_topics_with_prefix(self, prefix: str) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            doomed = [t for t in await admin.list_topics() if t.startswith(prefix)]
            if doomed:
                await admin.delete_topics(doomed)
        finally:
            await admin.close()


def qr_codes(pdf: bytes, page: int = 0) -> list[str]:
    """The QR codes a PDF page shows, rendered (PDFium) and decoded (ZXing), in reading order."""
    import pypdfium2
    import zxingcpp

    image = pypdfium2.PdfDocument(pdf)[page].render(scale=2).to_pil()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [r.text for r in sorted(found, key=lambda r: (r.position.top_left.y, r.position.top_left.x))]


def spans_of(providers_dir, trace_id: str) -> list[dict[str, Any]]:
    """The spans of one trace the platform's processes exported to the provider sandbox's OTLP
    receiver (deploy/local/provider_sandbox.py)."""
    import json

    path = providers_dir / "traces.jsonl"
    if not path.exists():
        return []
    needle = f'"trace_id": "{trace_id}"'
    with path.open() as f:
        return [json.loads(line) for line in f if needle in line]
