"""Dead letters: list them, and send them back to their topic once the cause is fixed.

    python -m shared.dlq list registry.ormas            # what is in registry.ormas.dlq, with reasons
    python -m shared.dlq replay registry.ormas          # every dead letter back to registry.ormas
    python -m shared.dlq replay registry.ormas --group reporting   # only those one group refused

Topics are the logical names (``registry.ormas``); ``--prefix`` adds a deployment's topic prefix
(``<SERVICE>_TOPIC_PREFIX``; none by default), ``--bootstrap`` names the brokers. Replaying is safe: consumers are idempotent, and a
message that still cannot be processed goes back to the DLQ with its reason. The DLQ is read from
its start each time; nothing is deleted from it (Kafka's retention does that)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.kafka import dlq_topic


async def read(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """Every message of ``<topic>.dlq`` with its headers (to the end offsets found at start)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    out: list[dict[str, Any]] = []
    try:
        from aiokafka import TopicPartition

        parts = [TopicPartition(dlq_topic(topic), p) for p in (consumer.partitions_for_topic(dlq_topic(topic)) or [])]
        if not parts:
            await consumer._client.force_metadata_update()  # a topic created since the client started
            parts = [TopicPartition(dlq_topic(topic), p) for p in (consumer.partitions_for_topic(dlq_topic(topic)) or [])]
        if not parts:
            return []
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        end = await consumer.end_offsets(parts)
        todo = {tp for tp in parts if end[tp] > 0}
        while todo:
            batch = await consumer.getmany(*todo, timeout_ms=1000)
            for tp, msgs in batch.items():
                for m in msgs:
                    if m.offset < end[tp]:
                        headers = {k: v.decode(errors="replace") for k, v in (m.headers or [])}
                        out.append({"key": m.key, "value": m.value, "headers": headers, "offset": m.offset,
                                    "partition": m.partition})
            todo = {tp for tp in todo if await consumer.position(tp) < end[tp]}
    finally:
        await consumer.stop()
    return out


async def replay(bootstrap: str, topic: str, *, group: str | None = None) -> int:
    """Produces the DLQ's messages (of one consumer group, if given) back to ``topic``, keys and
    values unchanged. Returns how many."""
    letters = [m for m in await read(bootstrap, topic) if group is None or m["headers"].get("dlq.group", "").endswith(group)]
    if not letters:
        return 0
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for m in letters:
            await producer.send_and_wait(topic, m["value"], key=m["key"],
                                         headers=[("dlq.replayed-from", f"{m['partition']}:{m['offset']}".encode())])
    finally:
        await producer.stop()
    return len(letters)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m shared.dlq", description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["list", "replay"])
    ap.add_argument("topic", help="logical topic, e.g. registry.ormas")
    ap.add_argument("--group", help="only the dead letters this consumer group refused")
    ap.add_argument("--bootstrap", default="127.0.0.1:9092")
    ap.add_argument("--prefix", default="", help="the deployment's topic prefix, if any")
    args = ap.parse_args(argv)
    topic = args.prefix + args.topic
    if args.command == "list":
        for m in asyncio.run(read(args.bootstrap, topic)):
            print(json.dumps({"partition": m["partition"], "offset": m["offset"], "group": m["headers"].get("dlq.group"),
                              "reason": m["headers"].get("dlq.error"), "from": f"{m['headers'].get('dlq.topic')}:"
                              f"{m['headers'].get('dlq.partition')}:{m['headers'].get('dlq.offset')}"}, ensure_ascii=False))
        return 0
    n = asyncio.run(replay(args.bootstrap, topic, group=args.group))
    print(f"{n} dead letters sent back to {topic}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
