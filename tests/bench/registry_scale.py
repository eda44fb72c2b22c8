"""Registry at a province's scale: the book filled with ormas across all 38 regencies/cities of
Jawa Timur by XLSX imports (the import figure), then create and search measured on that book, each
against raw PyMongo doing the same on the same database in the same run.

``BENCH_SCALE=national``: the nation's 431,465 ormas (Kemendagri, November 2019) over the 514
regencies and cities, a share each drawn at random around the mean, recorded through the import
jobs; then the total time, search, the registry's memory, the dashboards of the nation and of a
province once reporting has taken every event, and reporting's recount and rebuild."""

from __future__ import annotations

import asyncio
import io
import os
import random
import time
import uuid
from unittest.mock import patch

import httpx
from openpyxl import Workbook
from pymongo import AsyncMongoClient

from deploy.local import stack
from shared import auth, regions
from tests.bench.common import ratio, run_concurrently, summary

NATIONAL = os.environ.get("BENCH_SCALE") == "national"
# BENCH_NATIONAL_ORMAS: a smaller nation for a rehearsal (same 514 regions, same steps)
SCALE = int(os.environ.get("BENCH_NATIONAL_ORMAS", 431_465)) if NATIONAL else int(os.environ.get("BENCH_REGISTRY_ORMAS", 100_000))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", 20_000))
N_CREATE = int(os.environ.get("BENCH_REGISTRY_CREATES", 1000))
N_SEARCH = int(os.environ.get("BENCH_SEARCHES", 40))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORDS = ["Pemuda", "Peduli", "Bangsa", "Sejahtera", "Mandiri", "Lingkungan", "Budaya", "Nusantara", "Karya",
         "Bhakti", "Amanah", "Cahaya", "Harapan", "Insan", "Jaya", "Lestari", "Makmur", "Rukun", "Sentosa"]


def workbook(rows: int, start: int, seed: int, cities: list[str]) -> bytes:
    rnd = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Ormas")
    ws.append(["Nama Ormas", "Jenis", "Kode Wilayah", "No. HP", "Bidang", "Nomor SKT", "Tanggal SKT"])
    for i in range(start, start + rows):
        skt = rnd.random() < 0.6
        ws.append([f"{' '.join(rnd.sample(WORDS, 3))} {i:06d}", rnd.choice(["Ormas", "LSM", "OKP", "Organisasi Profesi"]),
                   cities[i % len(cities)], f"0812{rnd.randrange(10**7, 10**8)}", rnd.choice(["sosial", "budaya", "pendidikan"]),
                   f"220/{i}/SKT/{2020 + i % 5}" if skt else "", f"{2020 + i % 5}-0{1 + i % 9}-1{i % 9}" if skt else ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def fill_by_import(p: stack.IsolatedPlatform, tokens: dict[str, str]) -> dict:
    """Fills the book to SCALE ormas by XLSX imports, as each city's office would: first Kota
    Surabaya's IMPORT_ROWS rows in one file (the import figure), then the other 37 cities'."""
    cities = [r.code for r in regions.children("35")]
    big = "35.78"  # Kota Surabaya
    others = [c for c in cities if c != big]
    plan = [(big, IMPORT_ROWS)] + [(c, (SCALE - IMPORT_ROWS) // len(others)) for c in others]
    created, start, first = 0, 0, None
    t_all = time.perf_counter()
    async with httpx.AsyncClient(base_url=p.urls["registry"], timeout=1800) as http:
        for city, rows in plan:
            data = workbook(rows, start, seed=start, cities=[city])
            start += rows
            t = time.perf_counter()
            r = await http.post("/ormas/imports", files={"file": (f"{city}.xlsx", data, XLSX)},
                                headers={"Authorization": f"Bearer {tokens[city]}"})
            r.raise_for_status()
            created += r.json()["created"]
            if first is None:
                first = time.perf_counter() - t
                print(f"    {rows} rows imported in {first:.1f}s", flush=True)
    return {"name": f"XLSX import of one {IMPORT_ROWS}-row file (upload, per-row validation, outbox)",
            "rows": IMPORT_ROWS, "seconds": round(first, 1), "rows_per_s": round(IMPORT_ROWS / first, 1),
            "book_filled_to": created, "fill_seconds": round(time.perf_counter() - t_all, 1)}


async def create_at_scale(p: stack.IsolatedPlatform, tokens: dict[str, str], concurrency: int) -> list[dict]:
    cities = [r.code for r in regions.children("35")]
    async with httpx.AsyncClient(base_url=p.urls["registry"], timeout=120,
                                 limits=httpx.Limits(max_connections=concurrency)) as http:
        async def create(i: int):
            r = await http.post("/ormas", headers={"Authorization": f"Bearer {tokens[cities[i % len(cities)]]}"}, json={
                "name": f"Ormas Skala {uuid.uuid4().hex[:12]}", "kind": "ormas", "region": cities[i % len(cities)],
                "phone": "081234567890", "bidang": ["sosial"]})
            r.raise_for_status()

        seconds, lat = await run_concurrently(N_CREATE, concurrency, create)
    row = summary(f"registry POST /ormas with {SCALE} ormas in the book", N_CREATE, seconds, lat)
    client = AsyncMongoClient(stack.infra_urls()["mongo"], tz_aware=True)
    coll = client[p.db_name("registry") + "_rawscale"]["ormas"]

    async def insert(i: int):
        oid = str(uuid.uuid4())
        await coll.insert_one({"_id": oid, "name": f"Ormas Skala {oid[:12]}", "region": cities[i % len(cities)],
                               "kind": "ormas", "phone": "+6281234567890", "bidang": ["sosial"], "version": 1,
                               "_outbox": [{"id": oid}]})

    seconds, lat = await run_concurrently(N_CREATE, concurrency, insert)
    raw = summary("baseline: raw PyMongo insert_one (empty collection, same database)", N_CREATE, seconds, lat)
    await client.drop_database(p.db_name("registry") + "_rawscale")
    await client.close()
    row["ratio_to_baseline"] = ratio(row["ops_per_s"], raw["ops_per_s"])
    return [row, raw]


async def search_at_scale(p: stack.IsolatedPlatform, token: str, concurrency: int,
                          places: list[str] | None = None) -> list[dict]:
    headers = {"Authorization": f"Bearer {token}"}
    rnd = random.Random(7)
    cities = places or [r.code for r in regions.children("35")]
    queries = [{"region": rnd.choice(cities), "q": rnd.choice(WORDS).lower(), "limit": 20} for _ in range(N_SEARCH)]
    async with httpx.AsyncClient(base_url=p.urls["registry"], timeout=300) as http:
        async def search(i: int):
            r = await http.get("/ormas", headers=headers, params=queries[i])
            r.raise_for_status()

        seconds, lat = await run_concurrently(N_SEARCH, concurrency, search)
    row = summary(f"registry GET /ormas (text + city, 20 per page) over {SCALE} ormas", N_SEARCH, seconds, lat)
    client = AsyncMongoClient(stack.infra_urls()["mongo"], tz_aware=True)
    coll = client[p.db_name("registry")]["ormas"]

    async def find(i: int):
        q = queries[i]
        f = {"$and": [{"region": {"$regex": regions.prefix_regex(q["region"])}},
                      {"$or": [{"name_key": {"$regex": q["q"]}}, {"acronym_key": {"$regex": q["q"]}}]}]}
        [d async for d in coll.find(f, {"_outbox": 0}).sort([("name_key", 1), ("_id", 1)]).limit(21)]

    n_raw = min(N_SEARCH, int(os.environ.get("BENCH_RAW_SEARCHES", 2)))  # minutes each at this scale
    seconds, lat = await run_concurrently(n_raw, 1, find)
    raw = summary("baseline: raw PyMongo find, same filter and sort, same collection", n_raw, seconds, lat)
    await client.close()
    row["ratio_to_baseline"] = ratio(raw["p50_ms"], row["p50_ms"])  # how many times faster at the median
    row["ratio_is"] = "raw p50 / API p50"
    print("    " + str([row, raw]), flush=True)
    return [row, raw]


def national_plan() -> list[tuple[str, int]]:
    """Each regency/city's share of the nation's ormas: log-normal around the mean (a city office
    keeps a few thousand, a remote regency a few dozen), summing to SCALE exactly."""
    rnd = random.Random(514)
    places = [c.code for prov in regions.provinces() for c in regions.children(prov.code)]
    weights = [rnd.lognormvariate(0, 0.8) for _ in places]
    shares = [int(SCALE * w / sum(weights)) for w in weights]
    shares[0] += SCALE - sum(shares)
    return list(zip(places, shares))


def _rss_mb(marker: str) -> float:
    import psutil

    return max((proc.info["memory_info"].rss / 2**20 for proc in psutil.process_iter(["cmdline", "memory_info"])
                if marker in " ".join(proc.info["cmdline"] or [])), default=0.0)


async def national(p: stack.IsolatedPlatform, concurrency: int) -> list[dict]:
    from services.reporting.adapters.store import Projections
    from services.reporting.rebuild import rebuild
    from services.reporting.settings import Settings as ReportingSettings
    from tests.bench.common import group_caught_up, topic_end

    key = (stack.DATA / "keys" / "jwt-dev-private.pem").read_bytes()
    plan = national_plan()
    tokens = {code: auth.mint(key, subject="bench", role="admin", region=code, issuer="kesbang-registry",
                              audience="kesbang") for code, _ in plan}
    t_all = time.perf_counter()
    created, start = 0, 0
    async with httpx.AsyncClient(base_url=p.urls["registry"], timeout=1800) as http:
        for n, (code, rows) in enumerate(plan):
            r = await http.post("/ormas/imports", files={"file": (f"{code}.xlsx", workbook(rows, start, start, [code]), XLSX)},
                                headers={"Authorization": f"Bearer {tokens[code]}"})
            r.raise_for_status()
            created += r.json()["created"]
            start += rows
            if n % 50 == 0:
                print(f"    {n + 1}/{len(plan)} regions, {created} ormas, {time.perf_counter() - t_all:.0f}s", flush=True)
    imported = time.perf_counter() - t_all
    out = [{"name": f"national: {SCALE} ormas over {len(plan)} regencies/cities through the import jobs",
            "created": created, "import_seconds": round(imported, 1), "rows_per_s": round(created / imported, 1),
            "largest_region": max(r for _, r in plan), "smallest_region": min(r for _, r in plan),
            "registry_api_rss_mb": round(_rss_mb("services.registry.bootstrap"))}]
    # every import's events out of the registry's outbox: the backfill reads them from the topics
    t0 = time.perf_counter()
    while await topic_end(stack.infra_urls()["kafka"], p.topic("registry.ormas")) < created:
        await asyncio.sleep(1)
    out[0]["outbox_published_seconds_after_import"] = round(time.perf_counter() - t0, 1)
    print("    " + str(out[-1]), flush=True)
    out += await search_at_scale(p, auth.mint(key, subject="bench", role="analyst", region="", issuer="kesbang-registry",
                                              audience="kesbang"), min(concurrency, 4), places=[c for c, _ in plan])
    # the live consumer cannot take a national import as it comes (one write per event); the backfill
    # is the rebuild, and the consumers skip to where it ended
    with patch.dict(os.environ, p.env("reporting")):  # the settings read the environment
        rebuilt = await rebuild(ReportingSettings())
    print(f"    rebuilt: {rebuilt}", flush=True)
    t0 = time.perf_counter()
    await group_caught_up(stack.infra_urls()["kafka"], p.topic("registry.ormas"), p.topic_prefix + "reporting", created)
    skipped = time.perf_counter() - t0
    out[0]["total_seconds_until_reporting_caught_up"] = round(time.perf_counter() - t_all, 1)
    headers = {"Authorization": f"Bearer {auth.mint(key, subject='bench', role='analyst', region='', issuer='kesbang-registry', audience='kesbang')}"}
    async with httpx.AsyncClient(base_url=p.urls["reporting"], timeout=120) as rp:
        for label, params in (("the nation", {}), ("Jawa Timur", {"region": "35"}), ("the nation, kind=lsm", {"kind": "lsm"})):
            async def dash(i, params=params):
                (await rp.get("/stats/ormas", params=params, headers=headers)).raise_for_status()

            await run_concurrently(8, 4, dash)  # the client's connections, opened before timing
            seconds, lat = await run_concurrently(200, 4, dash)
            out.append(summary(f"national: GET /stats/ormas for {label}, {created} ormas, 4 concurrent", 200, seconds, lat))
            print("    " + str(out[-1]), flush=True)
    client = AsyncMongoClient(stack.infra_urls()["mongo"], tz_aware=True)
    db = client[p.db_name("reporting")]
    t0 = time.perf_counter()
    await Projections(db).ormas_figures_counted("")
    counted = time.perf_counter() - t0
    t0 = time.perf_counter()
    await Projections(db).recount_counters()
    recount = time.perf_counter() - t0
    await client.close()
    out.append({"name": f"national: reporting's rebuild from the topics (the backfill), and its recount of every counter from {created} rows",
                "rebuild_seconds": rebuilt["seconds"], "rebuild_events": rebuilt["events"],
                "rebuild_events_per_s": rebuilt["events_per_s"], "consumers_skipped_to_the_rebuild_seconds": round(skipped, 1),
                "recount_seconds": round(recount, 1), "baseline_nation_counted_from_rows_ms": round(counted * 1000, 1),
                "p99_nation_dashboard_ms": out[-3]["p99_ms"], "ratio_to_baseline": ratio(counted * 1000, out[-3]["p99_ms"])})
    print("    " + str(out[-1]), flush=True)
    return out


async def run(p: stack.IsolatedPlatform, concurrency: int) -> list[dict]:
    if NATIONAL:
        return await national(p, concurrency)
    key = (stack.DATA / "keys" / "jwt-dev-private.pem").read_bytes()

    def mint(role: str, region: str) -> str:
        return auth.mint(key, subject="bench", role=role, region=region, issuer="kesbang-registry", audience="kesbang")

    tokens = {r.code: mint("admin", r.code) for r in regions.children("35")}
    rows = [await fill_by_import(p, tokens)]
    print("    " + str(rows[-1]), flush=True)
    rows += await create_at_scale(p, tokens, concurrency)
    print("    " + str(rows[-2:]), flush=True)
    rows += await search_at_scale(p, mint("analyst", "35"), min(concurrency, 4))
    return rows
