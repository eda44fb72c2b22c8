"""Benchmarks (``make bench``): figures and ratios against a baseline measured in the same run.
Nothing is asserted. Starts (or reuses) the servers, runs the services as their own processes
under a throwaway prefix, prints the figures and writes them to bench-results/."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
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
from tests.bench import events_scale, notifications_scale, registry_scale, reporting_scale
from tests.bench.common import pct, run_concurrently, summary

ROOT = Path(__file__).resolve().parents[2]
PORTS = {"registry": 19001, "events": 19002, "notifications": 19003, "reporting": 19004}
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 16))
N_CREATE = int(os.environ.get("BENCH_CREATES", 1500))
N_LAG = int(os.environ.get("BENCH_LAG_WRITES", 200))


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), pyplatform.processor())
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "python": pyplatform.python_version(), "database": "FerretDB " + (stack.TOOLS / "bin" / ".ferretdb-version").read_text().strip() + " (SQLite)", "kafka": "3.9.1"}


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
    written = await client[p.db_name("registry")]["ormas"].count_documents({})
    projection = client[p.db_name("reporting")]["ormas"]
    t0 = time.perf_counter()
    start_count = await projection.count_documents({})
    while await projection.count_documents({}) < written:
        await asyncio.sleep(0.1)
    seconds = time.perf_counter() - t0
    await client.close()
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


async def main_async(p: stack.IsolatedPlatform) -> dict:
    keys = stack.DATA / "keys"
    token = auth.mint((keys / "jwt-dev-private.pem").read_bytes(), subject="bench", role="operator",
                      region="35.75", issuer="kesbang-registry", audience="kesbang")
    results = {"machine": machine(), "when": dt.datetime.now(dt.UTC).isoformat(), "concurrency": CONCURRENCY,
               "benchmarks": []}
    steps = {"registry": [lambda: bench_create(p, token), lambda: drain_backlog(p), lambda: bench_lag(p, token)],
             "events": [lambda: events_scale.run(p, CONCURRENCY)],
             "notifications": [lambda: notifications_scale.run(p)],
             "reporting": [lambda: reporting_scale.run(p, CONCURRENCY)],
             "registry_scale": [lambda: registry_scale.run(p, CONCURRENCY)] if registry_scale.SCALE else []}
    only = [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s]  # e.g. BENCH_ONLY=events
    for step in [s for name, group in steps.items() if not only or name in only for s in group]:
        rows = await step()
        for row in rows if isinstance(rows, list) else [rows]:
            results["benchmarks"].append(row)
            print("  " + ", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return results


def main() -> None:
    stack.ensure_dev_keys()
    group = stack.ProcessGroup(stack.DATA / "run", stack.DATA / "logs")
    started_infra = stack.bring_up(group, stack.infra_components())
    p = stack.start_isolated(uuid.uuid4().hex[:6], PORTS, redis_db_base=12,
                             extra_env={"notifications": notifications_scale.ENV})
    try:
        results = asyncio.run(main_async(p))
    finally:
        p.stop()
        asyncio.run(stack.drop_isolated_data(p))
        for name in reversed(started_infra):
            group.stop(name)
    m = results["machine"]
    print(f"\nmachine: {m['cpus']} × {m['cpu']}, {m['memory_gib']} GiB; {m['database']}; Kafka {m['kafka']}")
    for b in results["benchmarks"]:
        print("  " + b["name"] + ": " + ", ".join(f"{k}={v}" for k, v in b.items() if k != "name"))
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    path = out / f"bench-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
