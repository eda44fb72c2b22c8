"""Benchmarks (``make bench``): figures and ratios against a baseline measured in the same run.
Nothing is asserted. Starts (or reuses) the servers, runs the services as their own processes
under a throwaway prefix, prints the figures and writes them to bench-results/."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform as pyplatform
import statistics
import time
import uuid
from pathlib import Path

import httpx
from pymongo import AsyncMongoClient

from deploy.local import stack
from shared import auth
from tests.bench import (
    database,
    events_scale,
    hardening,
    notifications_scale,
    registry_scale,
    reporting_scale,
    web_pages,
)
from tests.bench.common import (
    group_caught_up,
    on_isolated_platform,
    pct,
    run_concurrently,
    summary,
    topic_end,
    write_results,
)

PORTS = {"registry": 19001, "events": 19002, "notifications": 19003, "reporting": 19004, "earlywarning": 19005, "web": 19000}
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 16))
N_CREATE = int(os.environ.get("BENCH_CREATES", 1500))
N_LAG = int(os.environ.get("BENCH_LAG_WRITES", 200))
LOAD_RATES = [int(r) for r in os.environ.get("BENCH_LOAD_RATES", "50,200").split(",") if r]  # writes/s
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", 15))


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), pyplatform.processor())
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "python": pyplatform.python_version(), "database": "FerretDB " + (stack.TOOLS / "bin" / ".ferretdb-version").read_text().strip() + " (SQLite)", "kafka": stack.kafka_version()}


async def bench_create(p: stack.IsolatedPlatform, token: str) -> list[dict]:
    """Registry create over HTTP (validation, outbox, relay to Kafka) against raw PyMongo inserts of
    documents of the same shape into the same database."""
    headers = {"Authorization": f"Bearer {token}"}
    regencies = [r.code for r in stack_regions("35")]
    async with httpx.AsyncClient(base_url=p.urls["registry"], timeout=60,
                                 limits=httpx.Limits(max_connections=CONCURRENCY)) as http:
        async def create(i: int):
            r = await http.post("/ormas", headers=headers, json={
                "name": f"Ormas Bench {uuid.uuid4().hex[:12]}", "kind": "ormas", "region": "35.75",
                "email": f"o{i}@example.org"})
            r.raise_for_status()

        await run_concurrently(50, CONCURRENCY, create)  # warm-up
        seconds, lat = await run_concurrently(N_CREATE, CONCURRENCY, create)
    platform_row = summary("registry POST /ormas (HTTP + outbox + Kafka)", N_CREATE, seconds, lat)

    client = AsyncMongoClient(stack.infra_urls()["mongo"], tz_aware=True)
    coll = client[p.db_name("registry") + "_rawbaseline"]["ormas"]
    now = dt.datetime.now(dt.UTC)

    async def insert(i: int):
        oid = str(uuid.uuid4())
        await coll.insert_one({"_id": oid, "version": 1, "name": f"Ormas Bench {oid[:12]}",
                               "name_key": f"ormas bench {oid[:12]}", "acronym": None, "kind": "ormas",
                               "region": regencies[i % len(regencies)], "email": f"o{i}@example.org",
                               "status": "unregistered", "created_at": now, "updated_at": now,
                               "history": [{"at": now, "by": "bench", "action": "created"}],
                               "_outbox": [{"id": oid, "topic": "registry.ormas", "key": oid, "event": {"x": 1}}]})

    await run_concurrently(50, CONCURRENCY, insert)
    seconds, lat = await run_concurrently(N_CREATE, CONCURRENCY, insert)
    raw_row = summary("baseline: raw PyMongo insert_one, same database", N_CREATE, seconds, lat)
    await client.close()
    platform_row["ratio_to_baseline"] = round(platform_row["ops_per_s"] / raw_row["ops_per_s"], 3)
    return [platform_row, raw_row]


def stack_regions(province: str):
    from shared import regions

    return regions.children(province)


async def drain_backlog(p: stack.IsolatedPlatform) -> dict:
    """Waits until reporting has projected every ormas the create benchmark wrote: the pipeline's
    sustained rate (outbox relay → Kafka → consumer → projection)."""
    client = AsyncMongoClient(stack.infra_urls()["mongo"], tz_aware=True)
    registry = client[p.db_name("registry")]["ormas"]
    written = await registry.count_documents({})
    projection = client[p.db_name("reporting")]["ormas"]
    kafka, topic = stack.infra_urls()["kafka"], p.topic("registry.ormas")
    t0 = time.perf_counter()
    start_count = await projection.count_documents({})
    # the outbox emptied (a small collection, checked every 0.2 s), then every message on the topic
    # committed by reporting: asked of Kafka (a count of the projection polled on FerretDB would
    # slow what is measured), then the projection counted once
    while await registry.count_documents({"_outbox.0": {"$exists": True}}):
        await asyncio.sleep(0.2)
    await group_caught_up(kafka, topic, p.topic_prefix + "reporting", await topic_end(kafka, topic), interval=0.1)
    seconds = time.perf_counter() - t0
    projected = await projection.count_documents({})
    await client.close()
    assert projected >= written, f"reporting projected {projected} of {written} ormas"
    return {"name": "backlog drained into reporting after the create run", "events": written,
            "pending_at_end_of_writes": written - start_count, "seconds_to_drain": round(seconds, 2),
            "drain_rate_per_s": round((written - start_count) / seconds, 1) if seconds > 0.01 else None}


async def bench_lag(p: stack.IsolatedPlatform, token: str) -> dict:
    """From a registry write's 201 to the ormas being in reporting's projection, at about 20 writes/s."""
    headers = {"Authorization": f"Bearer {token}"}
    client = AsyncMongoClient(stack.infra_urls()["mongo"], tz_aware=True)
    projection = client[p.db_name("reporting")]["ormas"]
    lags: list[float] = []
    async with httpx.AsyncClient(base_url=p.urls["registry"], timeout=60) as http:
        async def one():
            r = await http.post("/ormas", headers=headers, json={
                "name": f"Ormas Lag {uuid.uuid4().hex[:12]}", "kind": "lsm", "region": "35.75"})
            r.raise_for_status()
            t0 = time.perf_counter()
            oid = r.json()["id"]
            while await projection.find_one({"_id": oid}, {"_id": 1}) is None:
                await asyncio.sleep(0.005)
                if time.perf_counter() - t0 > 60:
                    raise RuntimeError("lag over 60s")
            lags.append(time.perf_counter() - t0)

        tasks = []
        for _ in range(N_LAG):
            tasks.append(asyncio.create_task(one()))
            await asyncio.sleep(0.05)
        await asyncio.gather(*tasks)
    await client.close()
    return {"name": "lag: registry 201 → reporting projection (~20 writes/s)", "operations": N_LAG,
            "p50_ms": round(pct(lags, 50) * 1000, 1), "p99_ms": round(pct(lags, 99) * 1000, 1),
            "max_ms": round(max(lags) * 1000, 1), "mean_ms": round(statistics.mean(lags) * 1000, 1)}


async def backlog(p: stack.IsolatedPlatform) -> dict:
    """Where the registry's events wait: still in its outbox, or on the topic behind each consumer group."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    client = AsyncMongoClient(stack.infra_urls()["mongo"], tz_aware=True)
    out = {"outbox": await client[p.db_name("registry")]["ormas"].count_documents({"_outbox.0": {"$exists": True}})}
    await client.close()
    topic = p.topic("registry.ormas")
    bootstrap = stack.infra_urls()["kafka"]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    try:
        parts = [TopicPartition(topic, n) for n in consumer.partitions_for_topic(topic) or []]
        end = await consumer.end_offsets(parts)
        for group in ("events", "notifications", "reporting"):
            committed = await admin.list_consumer_group_offsets(p.topic_prefix + group, partitions=parts)
            out[group] = sum(end[tp] - (committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0)
                             for tp in parts)
    finally:
        await consumer.stop()
        await admin.close()
    return out


async def bench_dashboard_lag(p: stack.IsolatedPlatform, token: str, rate: int) -> dict:
    """Writes at ``rate`` ormas/s into the registry for LOAD_SECONDS — CSV imports of rate/10 rows
    every 100 ms, each sent without waiting for the one before, as offices importing at once would —
    while a dashboard polls ``GET /stats/ormas`` for the city every 50 ms. The lag of a write is from
    its import's answer to the first dashboard read whose total counts it (writes are taken in the
    order their answers came, so the total reaching them means as many ormas are counted)."""
    headers = {"Authorization": f"Bearer {token}"}
    per_request = max(1, rate // 10)
    requests = int(LOAD_SECONDS * 10)
    async with httpx.AsyncClient(base_url=p.urls["reporting"], timeout=60) as dash, \
            httpx.AsyncClient(base_url=p.urls["registry"], timeout=120,
                              limits=httpx.Limits(max_connections=64)) as http:
        async def total() -> int:
            r = await dash.get("/stats/ormas", params={"region": "35.75"}, headers=headers)
            r.raise_for_status()
            return r.json()["total"]

        base = await total()
        answered: list[tuple[float, int]] = []  # (answer time, ormas counted once this and all before are)
        done = 0
        errors = 0

        async def write(i: int) -> None:
            nonlocal done, errors
            lines = ["Nama Ormas,Jenis,Kode Wilayah,No. HP"]
            lines += [f"Ormas Beban {rate} {uuid.uuid4().hex[:10]},LSM,35.75,0812{i:04d}{j:04d}" for j in range(per_request)]
            r = await http.post("/ormas/imports", headers=headers,
                                files={"file": ("beban.csv", "\n".join(lines).encode(), "text/csv")})
            if r.status_code != 200 or r.json()["created"] != per_request:
                errors += 1
                return
            done += per_request
            answered.append((time.perf_counter(), base + done))

        seen: list[tuple[float, int]] = []
        stop = asyncio.Event()

        async def poll() -> None:
            while not stop.is_set():
                seen.append((time.perf_counter(), await total()))
                await asyncio.sleep(0.05)

        poller = asyncio.create_task(poll())
        t0 = time.perf_counter()
        tasks = []
        for i in range(requests):
            tasks.append(asyncio.create_task(write(i)))
            await asyncio.sleep(max(0.0, t0 + (i + 1) * 0.1 - time.perf_counter()))
        await asyncio.gather(*tasks)
        write_seconds = time.perf_counter() - t0
        waiting = await backlog(p)
        deadline = time.perf_counter() + 600
        while (not seen or seen[-1][1] < base + done) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await poller
    lags, j = [], 0
    for at, needed in answered:
        while j < len(seen) and (seen[j][1] < needed or seen[j][0] < at):  # both rise with j
            j += 1
        if j < len(seen):
            lags.append(seen[j][0] - at)
    return {"name": f"lag: registry import answered → dashboard count (/stats/ormas), {rate} writes/s for {LOAD_SECONDS:g} s",
            "written": done, "achieved_writes_per_s": round(done / write_seconds, 1), "failed_requests": errors,
            "p50_ms": round(pct(lags, 50) * 1000, 1) if lags else None,
            "p99_ms": round(pct(lags, 99) * 1000, 1) if lags else None,
            "max_ms": round(max(lags) * 1000, 1) if lags else None,
            "waiting_when_writes_ended": waiting}


async def main_async(p: stack.IsolatedPlatform) -> dict:
    keys = stack.DATA / "keys"
    token = auth.mint((keys / "jwt-dev-private.pem").read_bytes(), subject="bench", role="operator",
                      region="35.75", issuer="kesbang-registry", audience="kesbang")
    results = {"machine": machine(), "when": dt.datetime.now(dt.UTC).isoformat(), "concurrency": CONCURRENCY,
               "benchmarks": []}
    steps = {"registry": [lambda: bench_create(p, token), lambda: drain_backlog(p), lambda: bench_lag(p, token)],
             "lag": [lambda rate=rate: bench_dashboard_lag(p, token, rate) for rate in LOAD_RATES],
             "events": [lambda: events_scale.run(p, CONCURRENCY)],
             "notifications": [lambda: notifications_scale.run(p)],
             "reporting": [lambda: reporting_scale.run(p, CONCURRENCY)],
             "registry_scale": [lambda: registry_scale.run(p, CONCURRENCY)] if registry_scale.SCALE else [],
             "hardening": [lambda: hardening.run(p, token)],
             "web": [lambda: web_pages.run(p)],
             "database": [lambda: database.run(p)]}
    only = [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s]  # e.g. BENCH_ONLY=events
    for step in [s for name, group in steps.items() if not only or name in only for s in group]:
        rows = await step()
        for row in rows if isinstance(rows, list) else [rows]:
            results["benchmarks"].append(row)
            print("  " + ", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return results


def main() -> None:
    results = on_isolated_platform(PORTS, {"notifications": notifications_scale.ENV}, lambda p, _: main_async(p))
    for b in results["benchmarks"]:
        print("  " + b["name"] + ": " + ", ".join(f"{k}={v}" for k, v in b.items() if k != "name"))
    write_results(results, "bench")


if __name__ == "__main__":
    main()
