"""``make fault``: Kota Pasuruan's facilitation days at ten times their size, under faults.

The story of article 000 (75 ormas in the book, 70 with a valid SKT invited, one officer each, RSVPs,
QR check-ins, completion) × ``KESBANG_FAULT_SCALE`` (10), driven only through the services' HTTP
APIs as an office would — a request that fails for a fault is tried again, as an operator would
press the button again — while, in turn:

  the registry API is killed (SIGKILL) during the import · the events consumer is killed while it
  copies the registry · Kafka is restarted after the publish · the notifications Celery worker is
  killed mid-send · Redis is restarted mid-send · FerretDB is restarted during the RSVPs · the
  reporting consumer is killed during the check-ins.

At the end it waits for the platform to settle and prints, per kind of effect, how many were
expected, present, lost and doubled; it exits 1 when anything is lost or doubled. Runs on its own
servers' processes under a throwaway prefix (like ``make bench``; never beside it)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import os
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer
from openpyxl import Workbook
from pymongo import AsyncMongoClient

from deploy.local import stack
from shared import auth
from shared.mongo import id_prefix
from tests.bench.common import on_isolated_platform
from tests.mailbox import Mailbox

SCALE = int(os.environ.get("KESBANG_FAULT_SCALE", 10))
VALID, LAPSED, UNREGISTERED = 70 * SCALE, 3 * SCALE, 2 * SCALE
PORTS = {"registry": 19101, "events": 19102, "notifications": 19103, "reporting": 19104, "earlywarning": 19105}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ENV = {"notifications": {"NOTIFICATIONS_RECOVER_AFTER_SECONDS": "30", "NOTIFICATIONS_RECOVER_EVERY_SECONDS": "15",
                         "NOTIFICATIONS_QUIET_FROM": "0", "NOTIFICATIONS_QUIET_UNTIL": "0"}}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Office:
    """The office's HTTP client: a call that meets a fault (connection refused, 5xx) is tried
    again for up to three minutes; how often that happened is counted."""

    def __init__(self, p: stack.IsolatedPlatform, token: str):
        self.p = p
        self.headers = {"Authorization": f"Bearer {token}"}
        self.http = httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=32))
        self.retried: Counter = Counter()

    async def call(self, method: str, service: str, path: str, *, ok=(200, 201, 202), **kw) -> httpx.Response:
        deadline = time.monotonic() + 180
        delay = 0.2
        while True:
            try:
                r = await self.http.request(method, self.p.urls[service] + path,
                                            headers={**self.headers, **kw.pop("headers", {})}, **kw)
                if r.status_code < 500:
                    if r.status_code not in ok:
                        raise RuntimeError(f"{method} {path} → {r.status_code}: {r.text[:300]}")
                    return r
                self.retried[f"{service} {r.status_code}"] += 1
            except httpx.TransportError as e:
                self.retried[f"{service} {type(e).__name__}"] += 1
            if time.monotonic() > deadline:
                raise RuntimeError(f"{method} {path}: no answer for three minutes")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5)

    async def close(self) -> None:
        await self.http.aclose()


def workbook(tag: str, today: dt.date) -> tuple[bytes, dict[str, str], dict[str, str]]:
    """The office's book: VALID ormas with a valid SKT (e-mail; every fourth also WhatsApp), LAPSED
    with an SKT of 2015, UNREGISTERED without one. Returns the file, and the e-mail and WhatsApp
    address of each valid ormas by name."""
    wb = Workbook()
    ws = wb.active
    ws.append(["Nama Ormas", "Jenis", "Kode Wilayah", "Alamat", "Email", "WhatsApp", "Bidang", "Nomor SKT", "Tanggal SKT"])
    emails, whatsapp = {}, {}
    for i in range(VALID):
        name = f"Ormas {tag} {i:04d}"
        emails[name] = f"sekretariat{i}@{tag}.or.id"
        wa = f"0857{i:07d}1" if i % 4 == 0 else ""
        if wa:
            whatsapp[name] = "62" + wa[1:]
        ws.append([name, "LSM" if i % 3 == 0 else "Ormas", "35.75", f"Jl. Veteran {i}", emails[name], wa,
                   f"sosial; {tag}", f"220/{i}/423.202/2024", today - dt.timedelta(days=400 + i % 300)])
    for i in range(LAPSED):
        ws.append([f"Ormas {tag} lapsed {i}", "Ormas", "35.75", "Jl. Soekarno Hatta", "", "", tag,
                   f"220/9{i}/423.202/2015", dt.date(2015, 1, 5)])
    for i in range(UNREGISTERED):
        ws.append([f"Ormas {tag} unregistered {i}", "Ormas", "35.75", "", "", "", tag, "", None])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), emails, whatsapp


def sink(mailbox: Mailbox, tag: str) -> Counter:
    """Messages per recipient among those whose address names the run's tag (its domain)."""
    return Counter(mailbox.recipients(tag))


def whatsapp_sent(providers_dir: Path, tag: str) -> Counter:
    path = providers_dir / "whatsapp.jsonl"
    got: Counter = Counter()
    if path.exists():
        for line in path.read_text().splitlines():
            if tag in line:
                got[json.loads(line)["to"]] += 1
    return got


async def invited_events(p: stack.IsolatedPlatform, kid: str, expected: int) -> dict[str, dict]:
    """The ``invited`` events of the kegiatan (their RSVP links and QR tokens: what the e-mails carry)."""
    consumer = AIOKafkaConsumer(p.topic("events.participation"), bootstrap_servers=stack.infra_urls()["kafka"],
                                auto_offset_reset="earliest", enable_auto_commit=False, group_id=None)
    await consumer.start()
    found: dict[str, dict] = {}
    try:
        deadline = time.monotonic() + 300
        while len(found) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=1000)
            for msgs in batch.values():
                for m in msgs:
                    e = json.loads(m.value)
                    if e["type"].endswith("participation.invited") and e["data"]["kegiatan_id"] == kid:
                        found[e["data"]["participant_id"]] = e["data"]
    finally:
        await consumer.stop()
    return found


class Faults:
    def __init__(self, p: stack.IsolatedPlatform, infra_group: stack.ProcessGroup):
        self.p, self.infra_group = p, infra_group
        self.infra = {c.name: c for c in stack.infra_components()}
        self.done: list[str] = []

    async def kill(self, name: str, pause: float = 2.0) -> None:
        log(f"fault: SIGKILL {name}")
        self.p.kill(name)
        await asyncio.sleep(pause)
        await asyncio.to_thread(self.p.restart, name)
        self.done.append(f"{name} killed (SIGKILL) and restarted")

    async def restart_server(self, name: str, pause: float = 3.0) -> None:
        log(f"fault: restart {name}")
        self.infra_group.stop(name, timeout=30)
        await asyncio.sleep(pause)
        c = self.infra[name]
        proc = await asyncio.to_thread(self.infra_group.start, c)
        await asyncio.to_thread(self.infra_group.wait_healthy, c, proc)
        self.done.append(f"{name} restarted")


async def story(p: stack.IsolatedPlatform, infra_group: stack.ProcessGroup) -> int:
    tag = f"flt{uuid.uuid4().hex[:6]}"
    token = auth.mint((stack.DATA / "keys" / "jwt-dev-private.pem").read_bytes(), subject="admin-pasuruan",
                      role="admin", region="35.75", issuer="kesbang-registry", audience="kesbang")
    office = Office(p, token)
    faults = Faults(p, infra_group)
    urls = stack.infra_urls()
    mailbox, providers_dir = Mailbox(urls["mailpit"]), Path(urls["providers_dir"])
    mongo = AsyncMongoClient(urls["mongo"], tz_aware=True)
    today = dt.date.today()
    t_start = time.monotonic()
    try:
        # 1. the book, imported; the registry API dies under the import and the office imports again
        data, emails, whatsapp = workbook(tag, today)
        rows = VALID + LAPSED + UNREGISTERED
        log(f"import of {rows} ormas ({tag})")
        files = {"file": ("ormas-kota-pasuruan.xlsx", data, XLSX)}
        first = asyncio.create_task(office.http.post(p.urls["registry"] + "/ormas/imports", files=files,
                                                     headers=office.headers))
        await asyncio.sleep(0.5)
        await faults.kill("registry-api")
        try:
            await first
        except httpx.TransportError:
            office.retried["registry import cut off"] += 1
        report = (await office.call("POST", "registry", "/ormas/imports", files=files)).json()
        log(f"import again: created {report['created']}, already recorded {report['already_recorded']}")

        # 2. the events service copies the registry; its consumer dies while it does
        await asyncio.sleep(1)
        await faults.kill("events-consumers")
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
        k = (await office.call("POST", "events", "/kegiatan", json={
            "title": f"Fasilitasi Pemberdayaan Ormas dan LSM {tag}", "type": "fasilitasi",
            "venue_name": "Rumah Makan Gedoeng Woloe", "venue_region": "35.75", "seats_per_ormas": 1,
            "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(days=1, hours=9)).isoformat(),
            "rsvp_cutoff": (start - dt.timedelta(minutes=30)).isoformat(),
            "letter": {"number": f"005/{tag}/423.202/2026", "nature": "Penting", "attachment": "-", "subject": "Undangan",
                       "signatory_name": "Drs. H. Mas Djoko Baroto, M.Si.",
                       "signatory_title": "Kepala Bakesbangpol Kota Pasuruan"}})).json()
        kid = k["id"]
        deadline = time.monotonic() + 600
        while True:
            r = await office.call("PUT", "events", f"/kegiatan/{kid}/invitees",
                                  json={"rule": {"bidang": [tag], "valid_skt_on": today.isoformat()}})
            if r.json()["ormas"] == VALID:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the events copy holds {r.json()['ormas']} of {VALID} ormas after 10 minutes")
            await asyncio.sleep(2)
        log(f"{VALID} ormas in the events copy; publishing")

        # 3. published; Kafka restarts under the fan-out and the consumers
        r = await office.call("POST", "events", f"/kegiatan/{kid}/transitions", json={"action": "publish"}, ok=(200, 409))
        await faults.restart_server("kafka")
        # 4. invitations go out; the Celery worker dies mid-send, then Redis restarts
        expected_mail = set(emails.values())
        for share, fault in ((0.3, lambda: faults.kill("notifications-worker")),
                             (0.6, lambda: faults.restart_server("redis"))):
            deadline = time.monotonic() + 600
            while len(set(sink(mailbox, tag)) & expected_mail) < share * VALID:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {len(sink(mailbox, tag))} e-mails after 10 minutes")
                await asyncio.sleep(1)
            await fault()

        # 5. RSVPs through each ormas's own link (85 % attend); FerretDB restarts half-way
        invited = await invited_events(p, kid, VALID)
        log(f"{len(invited)} invitations on the topic; RSVPs")
        answering = list(invited.values())[: int(VALID * 0.85)]
        sem = asyncio.Semaphore(8)

        async def rsvp(i: int, d: dict) -> None:
            path = d["change"]["rsvp_url"].split("/rsvp/", 1)[1]
            async with sem:
                await office.call("POST", "events", f"/api/rsvp/{path}",
                                  json={"attending": True, "delegates": [f"Pengurus {i}"]})

        half = len(answering) // 2
        await asyncio.gather(*(rsvp(i, d) for i, d in enumerate(answering[:half])))
        await asyncio.gather(faults.restart_server("ferretdb"),
                             *(rsvp(i, d) for i, d in enumerate(answering[half:], half)))

        # 6. the day: started, QR codes scanned (everyone who answered and a few who did not);
        #    the reporting consumer dies half-way
        await office.call("POST", "events", f"/kegiatan/{kid}/transitions", json={"action": "start"}, ok=(200, 409))
        scanning = list(invited.values())[: int(VALID * 0.9)]

        async def scan(d: dict) -> None:
            async with sem:
                await office.call("POST", "events", f"/kegiatan/{kid}/check-ins", json={"token": d["change"]["checkin_token"]})

        half = len(scanning) // 2
        await asyncio.gather(*(scan(d) for d in scanning[:half]))
        await asyncio.gather(faults.kill("reporting-consumers"), *(scan(d) for d in scanning[half:]))
        await office.call("POST", "events", f"/kegiatan/{kid}/transitions", json={"action": "complete"}, ok=(200, 409))
        log("story done; waiting for the platform to settle")

        # 7. settle and count
        reg_db, ev_db = mongo[p.db_name("registry")], mongo[p.db_name("events")]
        nt_db, rp_db = mongo[p.db_name("notifications")], mongo[p.db_name("reporting")]
        expected_wa = set(whatsapp.values())
        book_names = [f"Ormas {tag} {i:04d}" for i in range(VALID)] + [f"Ormas {tag} lapsed {i}" for i in range(LAPSED)] + \
                     [f"Ormas {tag} unregistered {i}" for i in range(UNREGISTERED)]

        async def count() -> list[dict]:
            names = Counter([d["name"] async for d in reg_db["ormas"].find({"region": "35.75"}, {"name": 1})])
            reporting_names = Counter([d["name"] async for d in rp_db["ormas"].find({"region": "35.75"}, {"name": 1})])
            parts = Counter([d["_id"].split(":", 1)[1] async for d in ev_db["participants"].find({"_id": id_prefix(f"{kid}:")},
                                                                                                 {"_id": 1})])
            att = (await office.call("GET", "events", f"/kegiatan/{kid}/attendance")).json()
            mails, was = sink(mailbox, tag), whatsapp_sent(providers_dir, tag)
            rp_parts = [d async for d in rp_db["participation"].find({"kegiatan_id": kid})]
            stats = (await office.call("GET", "reporting", "/stats/kegiatan", params={"region": "35.75"})).json()
            ormas_stats = (await office.call("GET", "reporting", "/stats/ormas", params={"region": "35.75"})).json()
            sent_ids = {d["_id"] async for d in nt_db["messages"].find({"kegiatan_id": kid, "status": "sent"}, {"_id": 1})}
            rp_deliveries = {d["_id"] async for d in rp_db["deliveries"].find({"kegiatan_id": kid}, {"_id": 1})}
            unconfirmed = await nt_db["messages"].count_documents(
                {"history.note": {"$regex": "before a worker died"}})

            def row(effect, expected, present, doubled):
                return {"effect": effect, "expected": expected, "present": present,
                        "lost": max(0, expected - present), "doubled": doubled}

            return [
                row("ormas in the registry", len(book_names), len(set(book_names) & set(names)),
                    sum(n - 1 for n in names.values() if n > 1)),
                row("participants invited (events)", VALID, len(parts), sum(n - 1 for n in parts.values() if n > 1)),
                row("RSVP answers recorded", len(answering), att["attending"], max(0, att["attending"] - len(answering))),
                row("check-ins recorded", len(scanning), att["checked_in"], max(0, att["checked_in"] - len(scanning))),
                row("invitation e-mails (Mailpit, by recipient)", len(expected_mail), len(set(mails) & expected_mail),
                    sum(n - 1 for n in mails.values() if n > 1)),
                row("invitation WhatsApp messages (provider, by number)", len(expected_wa), len(set(was) & expected_wa),
                    sum(n - 1 for n in was.values() if n > 1)),
                row("reporting: ormas rows", len(book_names), len(set(book_names) & set(reporting_names)),
                    sum(n - 1 for n in reporting_names.values() if n > 1)),
                row("reporting: ormas counter (dashboard total)", len(book_names), min(ormas_stats["total"], len(book_names)),
                    max(0, ormas_stats["total"] - len(book_names))),
                row("reporting: participation rows", VALID, len(rp_parts), 0),
                row("reporting: invitation deliveries (notifications outbox → Kafka → reporting)",
                    len(expected_mail) + len(expected_wa), len(sent_ids & rp_deliveries), 0),
                row("reporting: attended (dashboard)", len(scanning), min(stats["participation"]["checked_in"], len(scanning)),
                    max(0, stats["participation"]["checked_in"] - len(scanning))),
                {"effect": "messages a killed worker had handed over (not sent again)", "expected": 0,
                 "present": unconfirmed, "lost": 0, "doubled": 0},
            ]

        deadline = time.monotonic() + 900
        rows_ = await count()
        while any(r["lost"] or r["doubled"] for r in rows_) and time.monotonic() < deadline:
            await asyncio.sleep(5)
            rows_ = await count()
        seconds = time.monotonic() - t_start
    finally:
        await office.close()
        await mongo.close()

    print(f"\nKota Pasuruan × {SCALE}: {VALID + LAPSED + UNREGISTERED} ormas, {VALID} invited — {seconds:.0f} s")
    print("faults: " + "; ".join(faults.done))
    print("requests tried again by the office: " + (", ".join(f"{k} ×{v}" for k, v in sorted(office.retried.items())) or "none"))
    width = max(len(r["effect"]) for r in rows_)
    print(f"\n{'effect':<{width}}  expected  present  lost  doubled")
    for r in rows_:
        print(f"{r['effect']:<{width}}  {r['expected']:>8}  {r['present']:>7}  {r['lost']:>4}  {r['doubled']:>7}")
    bad = [r for r in rows_ if r["lost"] or r["doubled"]]
    print("\n" + ("FAILED: " + ", ".join(r["effect"] for r in bad) if bad else "nothing lost, nothing doubled"))
    return 1 if bad else 0


def main() -> None:
    sys.exit(on_isolated_platform(PORTS, ENV, story))


if __name__ == "__main__":
    main()
