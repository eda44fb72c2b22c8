"""Registry at a province's scale: the book filled with ormas across all 38 regencies/cities of
Jawa Timur by XLSX imports (the import figure), then create and search measured on that book, each
against raw PyMongo doing the same on the same database in the same run."""

from __future__ import annotations

import io
import os
import random
import time
import uuid

import httpx
from openpyxl import Workbook
from pymongo import AsyncMongoClient

from deploy.local import stack
from shared import auth, regions
from tests.bench.common import ratio, run_concurrently, summary

SCALE = int(os.environ.get("BENCH_REGISTRY_ORMAS", 100_000))
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


async def search_at_scale(p: stack.IsolatedPlatform, token: str, concurrency: int) -> list[dict]:
    headers = {"Authorization": f"Bearer {token}"}
    rnd = random.Random(7)
    cities = [r.code for r in regions.children("35")]
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


async def run(p: stack.IsolatedPlatform, concurrency: int) -> list[dict]:
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
