"""Notifications figures (issue 5): the fan-out of 10,000 invitation e-mails (each with its PDF
letter) to the SMTP sink — seconds and messages/s against a raw baseline, the same messages written
by the same code and sent by a plain loop over one SMTP connection in the same run — and the chaos
run: the worker killed with SIGKILL three times during a fan-out; lost (must be 0) and doubled.

The invitations enter as the events service publishes them: ``invited`` events on
``events.participation`` (built by the events service's own code for a synthetic kegiatan)."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import os
import time
import uuid
from collections import Counter
from pathlib import Path

from aiokafka import AIOKafkaProducer

from deploy.local import stack
from services.events import changes
from shared.contracts import encode
from tests.bench.common import ratio

N_EMAILS = int(os.environ.get("BENCH_EMAILS", 10_000))
N_CHAOS = int(os.environ.get("BENCH_CHAOS_EMAILS", 2_000))
ENV = {"NOTIFICATIONS_RECOVER_AFTER_SECONDS": "30", "NOTIFICATIONS_RECOVER_EVERY_SECONDS": "30"}


def _kegiatan(tag: str) -> dict:
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    return {"_id": str(uuid.uuid4()), "version": 2, "title": f"Sosialisasi Bench {tag}", "type": "sosialisasi",
            "theme": None, "region": "35.07", "status": "published", "starts_at": start,
            "ends_at": start + dt.timedelta(hours=6),
            "venue": {"name": "Pendopo Kabupaten", "address": "Jl. Panji", "region": "35.07", "zone": "WIB"},
            "organiser": {"name": "Badan Kesatuan Bangsa dan Politik Kabupaten Malang", "region": "35.07", "address": None},
            "seats_per_ormas": 1, "capacity": None, "invited_count": 0, "speakers": [], "agenda": [], "guests": [],
            "letter": {"number": f"005/{tag}/35.07/2026", "nature": "Penting", "attachment": "-", "subject": "Undangan",
                       "signatory_name": "Kepala Bakesbangpol", "signatory_title": "Kepala Bakesbangpol Kabupaten Malang"},
            "fanout": {"run": tag}}


def invitations(n: int, tag: str) -> tuple[dict, list[dict]]:
    k = _kegiatan(tag)
    ids = [f"bench-{tag}-{i:05d}" for i in range(n)]
    copies = {i: {"_id": i, "name": f"Ormas {tag} {i[-5:]}", "email": f"ketua.{i}@ormas.example.org", "phone": None,
                  "whatsapp": None, "region": "35.07", "officers": []} for i in ids}
    pairs, _ = changes.new_participants(k, ids, copies, secret=b"b" * 40, public_url="http://127.0.0.1:8002",
                                        now=dt.datetime.now(dt.UTC), actor="bench")
    return k, [e["event"] for _, e in pairs]


async def _produce(topic: str, events: list[dict]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=stack.infra_urls()["kafka"], acks="all", enable_idempotence=True,
                                linger_ms=5)
    await producer.start()
    try:
        sends = [await producer.send(topic, encode(e), key=e["data"]["participant_id"].encode()) for e in events]
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


def _new_files(mail_dir: Path, before: set[str]) -> list[Path]:
    return [f for f in mail_dir.glob("*.eml") if f.name not in before]


async def _wait_files(mail_dir: Path, before: set[str], n: int, t0: float, timeout: float = 1200) -> float:
    while len(_new_files(mail_dir, before)) < n:
        if time.perf_counter() - t0 > timeout:
            raise RuntimeError(f"only {len(_new_files(mail_dir, before))} of {n} e-mails after {timeout}s")
        await asyncio.sleep(0.5)
    return time.perf_counter() - t0


def _recipients(files: list[Path], tag: str) -> Counter:
    seen: Counter = Counter()
    for f in files:
        raw = f.read_bytes()
        if tag.encode() in raw:
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            seen[msg["To"]] += 1
    return seen


async def run(p: stack.IsolatedPlatform) -> list[dict]:
    mail_dir = Path(stack.infra_urls()["mail_dir"])
    topic = p.topic("events.participation")
    rows: list[dict] = []

    # 1. the fan-out through the platform
    tag = uuid.uuid4().hex[:8]
    _, events = invitations(N_EMAILS, tag)
    before = {f.name for f in mail_dir.glob("*.eml")}
    t0 = time.perf_counter()
    await _produce(topic, events)
    seconds = await _wait_files(mail_dir, before, N_EMAILS, t0)
    files = _new_files(mail_dir, before)
    got = _recipients(files, tag)
    platform_row = {"name": f"fan-out of {N_EMAILS} invitation e-mails with PDF letter (consumer → Celery → SMTP sink)",
                    "messages": N_EMAILS, "seconds": round(seconds, 1), "messages_per_s": round(N_EMAILS / seconds, 1),
                    "recipients_reached": len(got), "doubled": sum(c - 1 for c in got.values() if c > 1)}
    for f in files:
        f.unlink()

    # 2. baseline: the same messages, written by the same code, sent by a plain loop
    from services.notifications.adapters.channels import Email
    from services.notifications.domain import messages as rules
    from services.notifications.settings import Settings
    from services.notifications.application.delivery import content

    smtp = Email(Settings(smtp_host=stack.HOST, smtp_port=int(stack.infra_urls()["smtp_port"])))
    docs = [d for e in events for d in rules.for_invitation(e["data"], dt.datetime.now(dt.UTC))]
    before = {f.name for f in mail_dir.glob("*.eml")}
    t0 = time.perf_counter()
    for d in docs:
        smtp.send(d["to"], content(d))
    smtp.close()
    raw = await _wait_files(mail_dir, before, len(docs), t0)
    for f in _new_files(mail_dir, before):
        f.unlink()
    raw_row = {"name": "baseline: the same e-mails (same letter and PDF code) sent by a plain loop, one SMTP connection",
               "messages": len(docs), "seconds": round(raw, 1), "messages_per_s": round(len(docs) / raw, 1)}
    platform_row["ratio_to_baseline"] = ratio(platform_row["messages_per_s"], raw_row["messages_per_s"])
    rows += [platform_row, raw_row]
    print("  " + ", ".join(f"{k}={v}" for k, v in platform_row.items()), flush=True)

    # 3. chaos: the worker is killed with SIGKILL three times during a fan-out
    tag = uuid.uuid4().hex[:8]
    _, events = invitations(N_CHAOS, tag)
    expected = {e["data"]["change"]["recipient"]["email"] for e in events}
    before = {f.name for f in mail_dir.glob("*.eml")}
    t0 = time.perf_counter()
    await _produce(topic, events)
    kills = 0
    for share in (0.15, 0.40, 0.65):
        while len(_new_files(mail_dir, before)) < share * N_CHAOS:
            await asyncio.sleep(0.2)
        p.kill("notifications-worker")
        kills += 1
        await asyncio.sleep(1)
        await asyncio.to_thread(p.restart, "notifications-worker")
    deadline = time.perf_counter() + 600
    while True:
        got = _recipients(_new_files(mail_dir, before), tag)
        if set(got) >= expected or time.perf_counter() > deadline:
            break
        await asyncio.sleep(2)
    seconds = time.perf_counter() - t0
    lost = len(expected - set(got))
    doubled = sum(c - 1 for c in got.values() if c > 1)
    for f in _new_files(mail_dir, before):
        f.unlink()
    rows.append({"name": f"chaos: {N_CHAOS} invitation e-mails, the worker killed with SIGKILL {kills} times",
                 "expected": N_CHAOS, "delivered": len(got), "lost": lost, "doubled": doubled,
                 "seconds": round(seconds, 1)})
    return rows
