"""FerretDB's two local backends on the same operations: SQLite (what the stack runs) against
PostgreSQL (Debian's ``postgresql``), each behind the same patched FerretDB binary, measured one
after the other in the same run. The operations are the platform's hot paths: a registry record
inserted with its outbox, read and changed by ``{_id, version}`` with its events appended, the
relay clearing them, an import's ``insert_many``, a region's page of the book, and one parent's
children listed by an ``_id`` prefix (a kegiatan's participants).

Durability is the same class on both: SQLite runs WAL with ``synchronous=normal`` and PostgreSQL
``synchronous_commit=off`` (a killed process loses nothing; a machine losing power may lose its
last commits). The PostgreSQL server runs as the ``postgres`` user when the bench runs as root."""

from __future__ import annotations

import glob
import os
import random
import shutil
import subprocess
import time
import uuid

from pymongo import AsyncMongoClient, IndexModel

from deploy.local import stack
from tests.bench.common import ratio, run_concurrently, summary

N = int(os.environ.get("BENCH_DB_OPS", 2000))
BOOK = int(os.environ.get("BENCH_DB_BOOK", 20_000))
CONCURRENCY = 16
PG_PORT, FERRET_PG_PORT, FERRET_PG_DEBUG = 55432, 27117, 27181
CITIES = [f"35.{n:02d}" for n in range(1, 30)] + [f"35.{n}" for n in range(71, 80)]


def postgres_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return os.path.dirname(found[-1]) if found else None


def _as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def postgres_components(bindir: str) -> list[stack.Component]:
    data = stack.DATA / "bench-postgres"
    url = f"postgres://kesbang@127.0.0.1:{PG_PORT}/ferretdb"

    def prepare() -> None:
        if not (data / "PG_VERSION").exists():
            shutil.rmtree(data, ignore_errors=True)
            data.mkdir(parents=True)
            if os.geteuid() == 0:
                shutil.chown(data, "postgres", "postgres")
            subprocess.run(_as_postgres([f"{bindir}/initdb", "-D", str(data), "-U", "kesbang", "--auth=trust",
                                         "-E", "UTF8", "--no-instructions"]), check=True, capture_output=True)

    def created() -> bool:
        ok = subprocess.run([f"{bindir}/pg_isready", "-h", "127.0.0.1", "-p", str(PG_PORT)], capture_output=True)
        if ok.returncode != 0:
            return False
        subprocess.run([f"{bindir}/psql", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "kesbang", "-d", "postgres",
                        "-c", "CREATE DATABASE ferretdb"], capture_output=True)
        return True

    (stack.DATA / "bench-ferretdb-pg").mkdir(parents=True, exist_ok=True)
    return [
        stack.Component(
            name="bench-postgres",
            argv=_as_postgres([f"{bindir}/postgres", "-D", str(data), "-p", str(PG_PORT), "-k", str(data),
                               "-c", "listen_addresses=127.0.0.1", "-c", "synchronous_commit=off",
                               "-c", "shared_buffers=256MB", "-c", "max_connections=200"]),
            prepare=prepare, healthy=created, ports=(PG_PORT,)),
        stack.Component(
            name="bench-ferretdb-pg",
            argv=[str(stack.TOOLS / "bin" / "ferretdb"), "--handler=postgresql", f"--postgresql-url={url}",
                  f"--listen-addr=127.0.0.1:{FERRET_PG_PORT}", "--telemetry=disable",
                  f"--state-dir={stack.DATA / 'bench-ferretdb-pg'}", f"--debug-addr=127.0.0.1:{FERRET_PG_DEBUG}",
                  "--log-level=warn"],
            healthy=lambda: stack.mongo_healthy(f"mongodb://127.0.0.1:{FERRET_PG_PORT}/"),
            ports=(FERRET_PG_PORT, FERRET_PG_DEBUG)),
    ]


def record(i: int) -> dict:
    oid = str(uuid.uuid4())
    return {"_id": oid, "name": f"Ormas Basis Data {i:06d}", "name_key": f"ormas basis data {i:06d}",
            "region": CITIES[i % len(CITIES)], "kind": "ormas", "phone": "+6281234567890", "bidang": ["sosial"],
            "status": "registered", "version": 1, "history": [],
            "_outbox": [{"id": oid, "topic": "registry.ormas", "key": oid, "event": {"id": oid, "type": "created"}}]}


async def measure(url: str, db_name: str) -> dict[str, dict]:
    """Each operation on one backend: {operation: summary}."""
    client = AsyncMongoClient(url, tz_aware=True)
    db = client[db_name]
    await client.drop_database(db_name)
    coll, book, kids = db["ormas"], db["book"], db["participants"]
    await coll.create_indexes([IndexModel([("region", 1), ("name_key", 1)], unique=True),
                               IndexModel([("_outbox.id", 1)], sparse=True)])
    await book.create_indexes([IndexModel([("region", 1), ("name_key", 1)])])
    out: dict[str, dict] = {}
    docs = [record(i) for i in range(N)]

    async def insert(i: int):
        await coll.insert_one(docs[i])

    out["insert_one"] = summary("insert_one", N, *await run_concurrently(N, CONCURRENCY, insert))

    async def read(i: int):
        assert await coll.find_one({"_id": docs[i]["_id"]}) is not None

    out["find_one by _id"] = summary("find_one by _id", N, *await run_concurrently(N, CONCURRENCY, read))

    async def change(i: int):
        d = docs[i]
        r = await coll.update_one({"_id": d["_id"], "version": 1, "_outbox.19": {"$exists": False}},
                                  {"$set": {"status": "verified", "version": 2},
                                   "$push": {"_outbox": {"id": uuid.uuid4().hex, "topic": "registry.ormas"},
                                             "history": {"at": "2026-12-03", "what": "verified"}}})
        assert r.modified_count == 1

    out["update by {_id, version}, events appended"] = summary(
        "update", N, *await run_concurrently(N, CONCURRENCY, change))

    async def relay(i: int):
        await coll.update_one({"_id": docs[i]["_id"]}, {"$unset": {"_outbox": ""}})

    out["relay clears the outbox"] = summary("relay", N, *await run_concurrently(N, CONCURRENCY, relay))
    rows = [record(i) for i in range(BOOK)]
    t = time.perf_counter()
    for k in range(0, BOOK, 500):
        await book.insert_many(rows[k:k + 500], ordered=False)
    seconds = time.perf_counter() - t
    out["insert_many (import)"] = {"name": "insert_many", "operations": BOOK, "seconds": round(seconds, 2),
                                   "ops_per_s": round(BOOK / seconds, 1)}
    rnd = random.Random(3)
    pages = [rnd.choice(CITIES) for _ in range(40)]  # a scan each on SQLite: seconds apiece

    async def page(i: int):
        await book.find({"region": pages[i]}, {"_outbox": 0}).sort([("name_key", 1)]).limit(20).to_list(None)

    out["a region's first page (20, by name)"] = summary("page", 40, *await run_concurrently(40, 4, page))
    parents = [uuid.uuid4().hex[:12] for _ in range(40)]
    await kids.insert_many([{"_id": f"{p}:{j:05d}", "status": "invited"} for p in parents for j in range(500)])

    async def children(i: int):
        p = parents[i % len(parents)]
        n = len(await kids.find({"_id": {"$gte": p + ":", "$lt": p + ";"}}).to_list(None))
        assert n == 500

    out["one parent's 500 children by _id prefix (of 20,000)"] = summary(
        "children", 100, *await run_concurrently(100, 4, children))
    await client.drop_database(db_name)
    await client.close()
    return out


async def run(p: stack.IsolatedPlatform) -> list[dict]:
    bindir = postgres_bin()
    if bindir is None:
        print("    database: no PostgreSQL server here (Debian's postgresql); SQLite only, no comparison", flush=True)
        return []
    group = stack.ProcessGroup(stack.DATA / "run", stack.DATA / "logs")
    started = stack.bring_up(group, postgres_components(bindir))
    try:
        db_name = p.db_name("registry") + "_backend"
        sqlite = await measure(stack.infra_urls()["mongo"], db_name)
        postgres = await measure(f"mongodb://127.0.0.1:{FERRET_PG_PORT}/", db_name)
    finally:
        for name in reversed(started):
            group.stop(name)
    version = subprocess.run([f"{bindir}/postgres", "--version"], capture_output=True, text=True).stdout.strip()
    rows = []
    for op, s in sqlite.items():
        pg = postgres[op]
        row = {"name": f"FerretDB on PostgreSQL ({version}) against SQLite: {op}",
               "sqlite_ops_per_s": s["ops_per_s"], "postgresql_ops_per_s": pg["ops_per_s"],
               "ratio_postgresql_to_sqlite": ratio(pg["ops_per_s"], s["ops_per_s"])}
        if "p99_ms" in s:
            row |= {"sqlite_p99_ms": s["p99_ms"], "postgresql_p99_ms": pg["p99_ms"]}
        rows.append(row)
    return rows
