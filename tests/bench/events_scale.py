"""Events figures (issue 4): publishing a kegiatan that targets 10,000 ormas — the time until every
``invited`` event is on the topic — and check-in scans per second with p99, each against a raw
baseline measured in the same run on the same servers.

The 10,000 ormas go in as an office would put them: XLSX imports into the registry, which reach
the events service's copy through ``registry.ormas`` (that catch-up is reported too)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import os
import time
import uuid

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from openpyxl import Workbook
from pymongo import AsyncMongoClient

from deploy.local import stack
from shared import auth
from tests.bench.common import group_caught_up, ratio, run_concurrently, summary, topic_end

N_INVITEES = int(os.environ.get("BENCH_EVENT_INVITEES", 10_000))
N_SCANS = int(os.environ.get("BENCH_CHECKIN_SCANS", 2_000))
REGION = "35.07"  # Kabupaten Malang: apart from the other benchmarks' ormas
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _book(rows: range, tag: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["Nama Ormas", "Jenis", "Kab/Kota", "Email", "No. HP", "Bidang", "Nomor SKT", "Tanggal SKT"])
    issued = dt.date.today() - dt.timedelta(days=365)
    for i in rows:
        ws.append([f"Ormas {tag} {i:05d}", "Ormas", "Kabupaten Malang", f"o{i}@{tag}.or.id", f"0812{i:08d}",
                   "sosial", f"220/{i}/35.07/2025", issued])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def _count_invited(bootstrap: str, topic: str, kid: str, expected: int, t0: float, timeout: float = 600) -> float:
    """Seconds from t0 until ``expected`` distinct participants of ``kid`` are invited on the topic."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    seen: set[str] = set()
    try:
        while len(seen) < expected:
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            for msgs in batch.values():
                for m in msgs:
                    if kid.encode() in m.key:
                        seen.add(m.key.decode())
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"only {len(seen)} of {expected} invitations after {timeout}s")
        return time.perf_counter() - t0
    finally:
        await consumer.stop()


async def _tokens(bootstrap: str, topic: str, kid: str, n: int) -> list[str]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    tokens: dict[str, str] = {}
    try:
        while len(tokens) < n:
            for msgs in (await consumer.getmany(timeout_ms=200, max_records=5000)).values():
                for m in msgs:
                    if kid.encode() in m.key:
                        e = json.loads(m.value)
                        if e["type"].endswith("invited"):
                            tokens[e["data"]["participant_id"]] = e["data"]["change"]["checkin_token"]
        return list(tokens.values())[:n]
    finally:
        await consumer.stop()


async def run(p: stack.IsolatedPlatform, concurrency: int) -> list[dict]:
    keys = stack.DATA / "keys"
    token = auth.mint((keys / "jwt-dev-private.pem").read_bytes(), subject="bench", role="admin", region=REGION,
                      issuer="kesbang-registry", audience="kesbang", ttl=dt.timedelta(hours=4))
    h = {"Authorization": f"Bearer {token}"}
    tag = uuid.uuid4().hex[:6]
    client = AsyncMongoClient(stack.infra_urls()["mongo"], tz_aware=True)
    copy = client[p.db_name("events")]["registry_ormas"]
    kafka = stack.infra_urls()["kafka"]
    rows: list[dict] = []

    topic = p.topic("registry.ormas")
    before = await topic_end(kafka, topic)
    async with httpx.AsyncClient(base_url=p.urls["registry"], timeout=600) as reg:
        t0 = time.perf_counter()
        for start in range(0, N_INVITEES, 5000):
            r = await reg.post("/ormas/imports", headers=h, files={
                "file": ("ormas.xlsx", _book(range(start, min(N_INVITEES, start + 5000)), tag), XLSX)})
            r.raise_for_status()
        imported = time.perf_counter() - t0
        # every created event on the topic and committed by the events consumers (after their batch's
        # copies were written); then the copy is counted once, to be sure
        await group_caught_up(kafka, topic, p.topic_prefix + "events", before + N_INVITEES)
        caught_up = time.perf_counter() - t0
        in_copy = await copy.count_documents({"name": {"$regex": f"^Ormas {tag} "}})
        assert in_copy == N_INVITEES, f"{in_copy} of {N_INVITEES} ormas in the events copy"
    rows.append({"name": f"events copy of the registry: {N_INVITEES} imported ormas reach the events service",
                 "import_seconds": round(imported, 1), "in_copy_after_seconds": round(caught_up, 1),
                 "copy_rate_per_s": round(N_INVITEES / caught_up, 1)})

    async with httpx.AsyncClient(base_url=p.urls["events"], timeout=600) as ev:
        start_at = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        r = await ev.post("/kegiatan", headers=h, json={
            "title": "Sosialisasi Pemilu untuk seluruh ormas", "type": "sosialisasi", "venue_name": "Pendopo Kabupaten",
            "venue_region": REGION, "starts_at": start_at.isoformat(),
            "ends_at": (start_at + dt.timedelta(hours=6)).isoformat(),
            "rsvp_cutoff": (start_at - dt.timedelta(minutes=30)).isoformat(),
            "letter": {"number": f"005/{tag}/35.07/2026", "nature": "Penting", "attachment": "-", "subject": "Undangan",
                       "signatory_name": "Kepala Bakesbangpol", "signatory_title": "Kepala Bakesbangpol Kabupaten Malang"}})
        r.raise_for_status()
        kid = r.json()["id"]
        r = await ev.put(f"/kegiatan/{kid}/invitees", headers=h, json={"rule": {"bidang": ["sosial"]}})
        r.raise_for_status()
        invitees = r.json()["ormas"]
        t0 = time.perf_counter()
        r = await ev.post(f"/kegiatan/{kid}/transitions", headers=h, json={"action": "publish"})
        r.raise_for_status()
        answered = time.perf_counter() - t0
        on_topic = await _count_invited(kafka, p.topic("events.participation"), kid, invitees, t0)
    platform_row = {"name": f"publish a kegiatan targeting {invitees} ormas: every invited event on the topic",
                    "invitees": invitees, "publish_answered_s": round(answered, 2), "all_invited_on_topic_s": round(on_topic, 2),
                    "invitations_per_s": round(invitees / on_topic, 1)}

    # baseline: the same number of participant-sized documents inserted and events produced, raw
    scratch = client[p.db_name("events") + "_rawbaseline"]["participants"]
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    sample = {"_id": "x", "kegiatan_id": kid, "kind": "ormas", "name": "Ormas", "recipient": {"email": "a@b.c"},
              "pad": "x" * 1500}
    t0 = time.perf_counter()
    for start in range(0, invitees, 500):
        await scratch.insert_many([{**sample, "_id": f"{kid}:{i}"} for i in range(start, min(invitees, start + 500))])
    sends = [await producer.send(p.topic("bench.raw"), json.dumps({**sample, "_id": f"{kid}:{i}"}).encode(),
                                 key=f"{kid}:{i}".encode()) for i in range(invitees)]
    await asyncio.gather(*sends)
    raw = time.perf_counter() - t0
    await producer.stop()
    platform_row["baseline_raw_insert_and_produce_s"] = round(raw, 2)
    platform_row["ratio_to_baseline"] = ratio(raw, on_topic)
    rows.append(platform_row)
    print("  " + ", ".join(f"{k}={v}" for k, v in platform_row.items()), flush=True)

    tokens = await _tokens(kafka, p.topic("events.participation"), kid, min(N_SCANS, invitees))
    async with httpx.AsyncClient(base_url=p.urls["events"], timeout=60,
                                 limits=httpx.Limits(max_connections=concurrency)) as ev:
        (await ev.post(f"/kegiatan/{kid}/transitions", headers=h, json={"action": "start"})).raise_for_status()

        async def scan(i: int):
            r = await ev.post(f"/kegiatan/{kid}/check-ins", headers=h, json={"token": tokens[i]})
            r.raise_for_status()

        seconds, lat = await run_concurrently(len(tokens), concurrency, scan)
        scans = summary(f"check-in: QR scans of {len(tokens)} participants at {concurrency} concurrent", len(tokens), seconds, lat)

        async def rescan(i: int):
            r = await ev.post(f"/kegiatan/{kid}/check-ins", headers=h, json={"token": tokens[i]})
            assert r.json()["already"] is True

        seconds, lat = await run_concurrently(min(500, len(tokens)), concurrency, rescan)
        repeats = summary("check-in: repeated scans (\"sudah hadir\")", min(500, len(tokens)), seconds, lat)

    participants = client[p.db_name("events")]["participants"]
    ids = [d["_id"] async for d in scratch.find({}, {"_id": 1}).limit(len(tokens))]

    async def raw_scan(i: int):
        doc = await scratch.find_one({"_id": ids[i]})
        await scratch.find_one_and_update({"_id": ids[i], "kind": doc["kind"]}, {"$set": {"checked": True}})

    seconds, lat = await run_concurrently(len(ids), concurrency, raw_scan)
    raw_row = summary("baseline: raw find_one + find_one_and_update by _id, same database", len(ids), seconds, lat)
    scans["ratio_to_baseline"] = ratio(scans["ops_per_s"], raw_row["ops_per_s"])
    del participants
    await client.drop_database(p.db_name("events") + "_rawbaseline")
    await client.close()
    return [*rows, scans, repeats, raw_row]
