"""Measuring helpers shared by the benchmarks."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


async def run_concurrently(n: int, concurrency: int, op) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)

    async def worker():
        while not queue.empty():
            i = queue.get_nowait()
            t = time.perf_counter()
            await op(i)
            latencies.append(time.perf_counter() - t)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies


def summary(name: str, n: int, seconds: float, latencies: list[float]) -> dict:
    rate = n / seconds
    return {"name": name, "operations": n, "seconds": round(seconds, 2),
            "ops_per_s": round(rate, 1) if rate >= 10 else float(f"{rate:.3g}"),
            "p50_ms": round(pct(latencies, 50) * 1000, 2), "p99_ms": round(pct(latencies, 99) * 1000, 2)}


def ratio(a: float, b: float) -> float | None:
    """a / b, kept readable for both tiny and huge ratios."""
    if not b:
        return None
    r = a / b
    return round(r, 3) if r < 10 else round(r, 1)


def on_isolated_platform(ports, extra_env, body):
    """Runs ``await body(platform, infra_group)`` on the servers (started here if they are not up,
    and then stopped again) with the services as their own processes under a throwaway prefix,
    and removes the run's processes, databases and topics afterwards — the frame of ``make bench``,
    ``make load`` and ``make fault``."""
    import uuid

    from deploy.local import stack

    stack.ensure_dev_keys()
    group = stack.ProcessGroup(stack.DATA / "run", stack.DATA / "logs")
    started_infra = stack.bring_up(group, stack.infra_components())
    p = stack.start_isolated(uuid.uuid4().hex[:6], ports, redis_db_base=10, extra_env=extra_env)  # to 15 with the web
    try:
        return asyncio.run(body(p, group))
    finally:
        p.stop()
        try:
            asyncio.run(stack.drop_isolated_data(p))
        finally:
            for name in reversed(started_infra):
                group.stop(name)


def write_results(results: dict, kind: str):
    """Prints the machine and writes the figures to bench-results/<kind>-<time>.json."""
    import datetime as dt
    import json
    from pathlib import Path

    m = results["machine"]
    print(f"\nmachine: {m['cpus']} × {m['cpu']}, {m['memory_gib']} GiB; {m['database']}; Kafka {m['kafka']}")
    out = Path(__file__).resolve().parents[2] / "bench-results"
    out.mkdir(exist_ok=True)
    path = out / f"{kind}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"written to {path}")
    update_figures(results, kind)
    return path


FIGURES = Path(__file__).resolve().parents[2] / "docs"
KINDS = {"bench": "make bench", "load": "make load"}


def update_figures(results: dict, kind: str) -> None:
    """docs/figures.md from docs/figures.json: each row as its newest run measured it, with that
    run's machine and time, so a partial run (BENCH_ONLY=…) renews only its own rows."""
    import json

    store = FIGURES / "figures.json"
    data = json.loads(store.read_text()) if store.exists() else {}
    rows = data.setdefault(kind, {})
    m = results["machine"]
    machine = f"{m['cpus']} × {m['cpu']}, {m['memory_gib']} GiB; {m['database']}; Kafka {m['kafka']}; Python {m['python']}"
    for b in results.get("benchmarks", []):
        rows[b["name"]] = {"when": results["when"][:16].replace("T", " ") + " UTC", "machine": machine,
                           "figures": {k: v for k, v in b.items() if k != "name"}}
    store.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    data = json.loads(store.read_text())  # rendered as stored: a run's rows read the same on every page
    out = ["# Figures", "",
           "Written by `make bench` and `make load` from their results (docs/figures.json);",
           "each row as its newest run measured it. Ratios compare with a baseline measured in the same run;",
           "nothing here is asserted by a test. Earlier hand-kept figures: [figures-earlier.md](figures-earlier.md).", ""]
    for k, title in KINDS.items():
        if not data.get(k):
            continue
        out += [f"## {title}", ""]
        by_run: dict[tuple[str, str], list[tuple[str, dict]]] = {}
        for name, row in data[k].items():
            by_run.setdefault((row["when"], row["machine"]), []).append((name, row["figures"]))
        for (when, machine), items in sorted(by_run.items(), reverse=True):
            out += [f"Run of {when} — {machine}", "", "| what | figures |", "|---|---|"]
            for name, figs in items:
                text = ", ".join(f"{key}={value}" for key, value in figs.items()).replace("|", "/")
                out.append(f"| {name} | {text} |")
            out.append("")
    (FIGURES / "figures.md").write_text("\n".join(out))
    print(f"figures page: {FIGURES / 'figures.md'}")


async def _partitions(consumer, topic: str) -> list:
    from aiokafka import TopicPartition

    # fresh metadata, as shared.dlq does: the public topics() fetches it without updating the client's view
    await consumer._client.force_metadata_update()
    return [TopicPartition(topic, n) for n in consumer.partitions_for_topic(topic) or []]


async def topic_end(bootstrap: str, topic: str) -> int:
    """How many messages a topic holds (the sum of its partitions' end offsets; 0 before it exists)."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        parts = await _partitions(consumer, topic)
        return sum((await consumer.end_offsets(parts)).values()) if parts else 0
    finally:
        await consumer.stop()


async def group_caught_up(bootstrap: str, topic: str, group: str, at_least: int, *, interval: float = 0.5) -> None:
    """Waits until ``topic`` holds at least ``at_least`` messages and consumer ``group`` has committed
    all of them — asked of Kafka, so the wait costs the database nothing (a count polled on FerretDB
    scans the collection: a third of its CPU went to such counts, slowing what was measured)."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    try:
        while True:
            parts = await _partitions(consumer, topic)
            end = await consumer.end_offsets(parts) if parts else {}
            if parts and sum(end.values()) >= at_least:
                committed = await admin.list_consumer_group_offsets(group, partitions=parts)
                if all(tp in committed and committed[tp].offset >= end[tp] for tp in parts):
                    return
            await asyncio.sleep(interval)
    finally:
        await consumer.stop()
        await admin.close()
