"""Reporting figures (issue 6): the dashboard API over 150,000 ormas and 10,000 kegiatan, a
provincial quarterly report over Jawa Timur's 38 regencies and cities, and the replay rate of a
full rebuild — each against a baseline measured in the same run.

The projections are filled directly (rows as the consumers write them, then the counters counted
from them): what is measured is the API and the report over that much data, not the consumers."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import time
from unittest.mock import patch

import httpx
from pymongo import AsyncMongoClient

from deploy.local import stack
from services.reporting.adapters.store import Projections
from shared import auth, regions
from tests.bench.common import group_caught_up, pct, ratio, run_concurrently, summary, topic_end

N_ORMAS = int(os.environ.get("BENCH_REPORTING_ORMAS", 150_000))
N_KEGIATAN = int(os.environ.get("BENCH_REPORTING_KEGIATAN", 10_000))
N_REQUESTS = int(os.environ.get("BENCH_REPORTING_REQUESTS", 200))
N_REPLAY = int(os.environ.get("BENCH_REPLAY_ORMAS", 15_000))  # each with two versions on registry.ormas
PER_KEGIATAN = 20  # participants of each kegiatan of the current quarter


def _quarter_months(today: dt.date) -> set[str]:
    first = 3 * ((today.month - 1) // 3) + 1
    return {f"{today.year}-{m:02d}" for m in range(first, first + 3)}


async def _fill(db) -> dict:
    rnd = random.Random(6)
    cities = [r.code for r in regions.children("35")]
    today = dt.date.today()
    t0 = time.perf_counter()
    rows = []
    for i in range(N_ORMAS):
        region = cities[i % len(cities)]
        status = rnd.choice(["registered", "registered", "expired", "unregistered", "legal_entity", "expiring"])
        rows.append({"_id": f"bench-{i}", "version": 1, "name": f"Ormas {i}", "kind": rnd.choice(["ormas", "lsm", "okp"]),
                     "region": region, "status": status, "legal_form": "tidak_berbadan_hukum",
                     "bidang": [rnd.choice(["sosial", "agama", "pendidikan"])], "sanction_level": None,
                     "skt_valid_until": (today + dt.timedelta(days=rnd.randrange(-900, 1800))).isoformat()
                     if status in ("registered", "expired", "expiring") else None,
                     "province": "35", "regency": region})
        if len(rows) == 1000:
            await db["ormas"].insert_many(rows)
            rows = []
    if rows:
        await db["ormas"].insert_many(rows)
    kegiatan, people = [], []
    quarter = _quarter_months(today)
    for i in range(N_KEGIATAN):
        region = cities[i % len(cities)]
        month = (today.replace(day=1) - dt.timedelta(days=30 * rnd.randrange(0, 24))).strftime("%Y-%m")
        start = dt.datetime.strptime(f"{month}-{rnd.randrange(1, 28):02d} 01:00", "%Y-%m-%d %H:%M").replace(tzinfo=dt.UTC)
        kegiatan.append({"_id": f"bench-k{i}", "version": 3, "type": rnd.choice(["fasilitasi", "dialog", "pelatihan"]),
                         "title": f"Kegiatan {i}", "region": region, "status": "completed", "month": month,
                         "starts_at": start, "ends_at": start + dt.timedelta(hours=8), "zone": "WIB",
                         "venue_name": f"Pendopo {i}", "venue_region": region, "invited": 20,
                         "province": "35", "regency": region})
        if month in quarter:  # this quarter's kegiatan have their participants: the report lists them
            for j in range(PER_KEGIATAN):
                people.append({"_id": f"bench-k{i}:o{j}", "kegiatan_id": f"bench-k{i}", "ormas_id": f"bench-{j}",
                               "kind": "ormas", "region": region, "kegiatan_type": "dialog", "month": month,
                               "invited": True, "attending": j % 4 != 3,
                               **({"checked_in": True, "days": {"1": 1 + j % 2}} if j % 5 < 3 else {})})
        if len(kegiatan) == 1000:
            await db["kegiatan"].insert_many(kegiatan)
            kegiatan = []
        if len(people) >= 5000:
            await db["participation"].insert_many(people)
            people = []
    if kegiatan:
        await db["kegiatan"].insert_many(kegiatan)
    if people:
        await db["participation"].insert_many(people)
    filled = time.perf_counter() - t0
    t0 = time.perf_counter()
    counters = await Projections(db).recount_counters() + await Projections(db).recount_kegiatan_counters()
    return {"name": f"reporting filled: {N_ORMAS} ormas rows, {N_KEGIATAN} kegiatan rows; counters recounted",
            "fill_s": round(filled, 1), "recount_s": round(time.perf_counter() - t0, 1), "counter_documents_written": counters}


def headers_for(keys, region: str) -> dict:
    token = auth.mint((keys / "jwt-dev-private.pem").read_bytes(), subject="bench", role="analyst", region=region,
                      issuer="kesbang-registry", audience="kesbang", ttl=dt.timedelta(hours=2))
    return {"Authorization": f"Bearer {token}"}


async def run(p: stack.IsolatedPlatform, concurrency: int) -> list[dict]:
    keys = stack.DATA / "keys"
    h = headers_for(keys, "35")
    client = AsyncMongoClient(stack.infra_urls()["mongo"], tz_aware=True)
    db = client[p.db_name("reporting")]
    rows = [await _fill(db)]
    conc = min(concurrency, 4)
    async with httpx.AsyncClient(base_url=p.urls["reporting"], timeout=600) as rp:
        for label, path, params in (
                ("GET /stats/ormas, the province (counters)", "/stats/ormas", {"region": "35"}),
                ("GET /stats/ormas, one city (counters)", "/stats/ormas", {"region": "35.75"}),
                ("GET /stats/ormas?kind=lsm, the province (the kind's counters)", "/stats/ormas",
                 {"region": "35", "kind": "lsm"}),
                ("GET /stats/ormas?bidang=sosial, the province (the bidang's counters)", "/stats/ormas",
                 {"region": "35", "bidang": "sosial"})):
            async def call(i, path=path, params=params):
                (await rp.get(path, params=params, headers=h)).raise_for_status()

            await run_concurrently(2 * conc, conc, call)  # untimed: the client's connections opened
            seconds, lat = await run_concurrently(N_REQUESTS, conc, call)
            rows.append(summary(f"{label}, {N_ORMAS} ormas, {conc} concurrent", N_REQUESTS, seconds, lat))

        # baseline: the same figures counted from the rows (what the API did before the counters)
        lat = []
        for _ in range(3):
            t0 = time.perf_counter()
            await Projections(db).ormas_figures_counted("35")
            lat.append(time.perf_counter() - t0)
        base = {"name": "baseline: the same province figures counted from the 150,000 rows", "operations": 3,
                "p50_ms": round(pct(lat, 50) * 1000, 1), "max_ms": round(max(lat) * 1000, 1)}
        rows[1]["ratio_to_baseline_p50"] = ratio(base["p50_ms"], rows[1]["p50_ms"])
        rows.append(base)
        t0 = time.perf_counter()
        await Projections(db).ormas_figures_counted("35", kind="lsm")
        counted_ms = round((time.perf_counter() - t0) * 1000, 1)
        for row in rows[3:5]:  # what a filtered dashboard cost before the facets' counters
            row["baseline_counted_from_rows_ms"] = counted_ms
            row["ratio_to_baseline_p50"] = ratio(counted_ms, row["p50_ms"])

        month = dt.date.today().strftime("%Y-%m")
        since = (dt.date.today().replace(day=1) - dt.timedelta(days=365)).strftime("%Y-%m")

        async def kegiatan(i):
            (await rp.get("/stats/kegiatan", params={"region": "35", "since": since, "until": month}, headers=h)).raise_for_status()

        seconds, lat = await run_concurrently(N_REQUESTS, conc, kegiatan)
        row = summary(f"GET /stats/kegiatan, the province over 12 months, {N_KEGIATAN} kegiatan (counters), "
                      f"{conc} concurrent", N_REQUESTS, seconds, lat)
        from services.reporting.adapters.figures import kegiatan_figures_counted

        t0 = time.perf_counter()
        await kegiatan_figures_counted(db, "35", since, month)
        row["baseline_counted_from_rows_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        row["ratio_to_baseline_p50"] = ratio(row["baseline_counted_from_rows_ms"], row["p50_ms"])
        rows.append(row)

        q = (dt.date.today().month - 1) // 3 + 1
        period = f"{dt.date.today().year}-Q{q}"
        listed = await db["kegiatan"].count_documents({"month": {"$in": sorted(_quarter_months(dt.date.today()))}})
        national = headers_for(keys, "")
        compiled = {}
        for region, head in (("", national), ("35", h)):  # the nation's report lists no kegiatan: the baseline
            t0 = time.perf_counter()
            r = await rp.post("/reports", json={"region": region, "period": period, "refresh": True}, headers=head)
            r.raise_for_status()
            rid = r.json()["id"]
            while (doc := (await rp.get(f"/reports/{rid}", headers=head)).json())["status"] not in ("done", "failed"):
                await asyncio.sleep(0.2)
            compiled[region] = (doc, round(time.perf_counter() - t0, 2))
        doc, seconds = compiled["35"]
        rows.append({"name": f"compile the quarterly report of Jawa Timur ({period}, 38 regencies/cities; PDF, XLSX, CSV) "
                             f"listing its {listed} kegiatan with {listed * PER_KEGIATAN} participants",
                     "status": doc["status"], "seconds": seconds,
                     "files_kb": {f: round(m["size"] / 1024, 1) for f, m in doc["files"].items()},
                     "baseline_national_report_without_list_s": compiled[""][1],
                     "ratio_to_baseline": ratio(seconds, compiled[""][1])})

    rows += await replay(p)
    await client.close()
    return rows


def _ormas_events(n: int) -> list[tuple[str, dict]]:
    """Each ormas created, then registered: two snapshots on registry.ormas, as the registry writes them."""
    from services.registry.changes import event_entry
    from services.registry.domain import ormas

    rnd = random.Random(22)
    cities = [r.code for r in regions.children("35")]
    now = dt.datetime.now(dt.UTC)
    out = []
    for i in range(n):
        doc = ormas.create(ormas.Details(name=f"Ormas Replay {i}", kind=rnd.choice(["ormas", "lsm", "okp"]),
                                         region=cities[i % len(cities)], bidang=[rnd.choice(["sosial", "agama"])]),
                           ormas_id=f"replay-{i}", actor="bench", now=now)
        out.append(event_entry("created", doc))
        doc = {**doc, "version": doc["version"] + 1, "status": "registered",
               "skt": {"number": f"220/{i}/2026", "valid_until": (now + dt.timedelta(days=rnd.randrange(30, 1800))).date().isoformat(),
                       "issued_on": now.date().isoformat()}}
        out.append(event_entry("registered", doc, {"action": "register", "from": "unregistered", "to": "registered",
                                                   "skt_number": doc["skt"]["number"],
                                                   "valid_until": doc["skt"]["valid_until"]}))
    return [(e["key"], e["event"]) for e in out]


async def replay(p: stack.IsolatedPlatform) -> list[dict]:
    """``python -m services.reporting.rebuild`` over every topic (what the other steps left, and
    N_REPLAY ormas twice on registry.ormas): folded and swapped in, against the consumers' own
    handler applying the same events one write at a time (``--keep``), in the same run."""
    from aiokafka import AIOKafkaProducer

    from services.reporting.rebuild import rebuild
    from services.reporting.settings import Settings
    from shared.contracts import encode

    producer = AIOKafkaProducer(bootstrap_servers=stack.infra_urls()["kafka"], acks="all", linger_ms=20,
                                max_batch_size=1 << 20)
    await producer.start()
    try:
        topic = p.topic("registry.ormas")
        await asyncio.gather(*[await producer.send(topic, encode(e), key=k.encode()) for k, e in _ormas_events(N_REPLAY)])
    finally:
        await producer.stop()
    # the running consumers project those events too: the rebuild is timed once they are done
    kafka = stack.infra_urls()["kafka"]
    await group_caught_up(kafka, topic, p.topic_prefix + "reporting", await topic_end(kafka, topic))
    with patch.dict(os.environ, p.env("reporting")):  # the settings read the environment
        folded = await rebuild(Settings())
        handled = await rebuild(Settings(), drop=False)
    return [{"name": "rebuild: every topic from its start, folded in memory, written in bulk into fresh collections "
                     "and swapped in (python -m services.reporting.rebuild)", **folded,
             "ratio_to_baseline": ratio(folded["events_per_s"], handled["events_per_s"])},
            {"name": "baseline: the same events applied by the consumers' handler, one write each "
                     "(python -m services.reporting.rebuild --keep)", **handled}]
