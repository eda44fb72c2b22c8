"""``make load``: two load profiles, driven through the services' HTTP APIs; for each kind of
request its throughput, p50, p99 and errors. Like ``make bench``: its own processes under a
throwaway prefix, figures printed and written to bench-results/, nothing asserted.

1. **An office's busiest day** — Kota Pasuruan's facilitation day for 700 ormas. For
   ``LOAD_SECONDS`` at once: operators at the door scanning QR codes, ormas opening their links
   to next week's dialog and answering, the office's staff searching the registry and editing
   records, and the province's analysts refreshing the dashboard — each a closed-loop virtual user.
2. **A province-wide pre-election briefing** — Bakesbangpol Provinsi Jawa Timur invites
   ``LOAD_BRIEFING_ORMAS`` (30,000) ormas of its 38 regencies and cities: the cities' books
   imported, the events service's copy filled, the publish and its fan-out to every invitation, then
   the first wave of answers through the RSVP links while the invitation e-mails go out.
3. **A tense week before the Pilkada** — ``LOAD_EW_REPORTS`` (1,000) reports of potential conflict
   into Provinsi Jawa Timur's 38 regencies and cities within an hour, compressed into
   ``LOAD_EW_SECONDS`` (120), each office with a team of three and the province with its own; the
   intake's p50/p99, and the escalations that follow: alert messages expected, sent, lost and
   doubled, and how long after the last report the last alert went out."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import time
import uuid
from collections import defaultdict

import httpx

from deploy.local import stack
from shared import auth, regions
from tests.bench.common import group_caught_up, on_isolated_platform, pct, topic_end, write_results
from tests.bench.run import machine
from tests.fault.run import invited_events, workbook
from tests.mailbox import Mailbox

PORTS = {"registry": 19201, "events": 19202, "notifications": 19203, "reporting": 19204, "earlywarning": 19205}
LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS", 60))
BRIEFING = int(os.environ.get("LOAD_BRIEFING_ORMAS", 30_000))
WAVE = int(os.environ.get("LOAD_RSVP_WAVE", 5_000))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EW_REPORTS = int(os.environ.get("LOAD_EW_REPORTS", 1_000))
EW_SECONDS = float(os.environ.get("LOAD_EW_SECONDS", 120))
ENV = {"notifications": {"NOTIFICATIONS_QUIET_FROM": "0", "NOTIFICATIONS_QUIET_UNTIL": "0"}}


def token(role: str, region: str) -> dict[str, str]:
    t = auth.mint((stack.DATA / "keys" / "jwt-dev-private.pem").read_bytes(), subject=f"load-{role}", role=role,
                  region=region, issuer="kesbang-registry", audience="kesbang")
    return {"Authorization": f"Bearer {t}"}


class Recorder:
    def __init__(self):
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))

    async def call(self, kind: str, http: httpx.AsyncClient, method: str, url: str, ok=(200, 201, 202), **kw):
        t0 = time.perf_counter()
        try:
            r = await http.request(method, url, **kw)
        except httpx.HTTPError:
            self.errors[kind] += 1
            return None
        self.lat[kind].append(time.perf_counter() - t0)
        self.statuses[kind][r.status_code] += 1
        if r.status_code not in ok:
            self.errors[kind] += 1
        return r

    def rows(self, profile: str, seconds: float) -> list[dict]:
        """Per kind: answered requests per second, p50 and p99 of the answered, errors (no answer,
        or a status the caller did not expect), and the statuses seen."""
        return [{"name": f"{profile}: {kind}", "answered": len(lat), "per_s": round(len(lat) / seconds, 1),
                 "p50_ms": round(pct(lat, 50) * 1000, 1), "p99_ms": round(pct(lat, 99) * 1000, 1),
                 "errors": self.errors[kind], "statuses": dict(self.statuses[kind])}
                for kind, lat in sorted(self.lat.items())]


async def _copy_holds(http: httpx.AsyncClient, base: str, h: dict, kid: str, rule: dict, n: int, timeout: float) -> float:
    t0 = time.perf_counter()
    while True:
        r = await http.put(f"{base}/kegiatan/{kid}/invitees", json={"rule": rule}, headers=h)
        r.raise_for_status()
        if r.json()["ormas"] >= n:
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > timeout:
            raise RuntimeError(f"the events copy holds {r.json()['ormas']} of {n} after {timeout:.0f}s")
        await asyncio.sleep(2)


def _kegiatan(title: str, region: str, hours: float = 1) -> dict:
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=hours)
    return {"title": title, "type": "sosialisasi", "venue_name": "Gedung Negara Grahadi", "venue_region": region,
            "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=8)).isoformat(),
            "rsvp_cutoff": (start - dt.timedelta(minutes=10)).isoformat(), "seats_per_ormas": 2,
            "letter": {"number": f"005/{uuid.uuid4().hex[:4]}/2026", "nature": "Penting", "attachment": "-",
                       "subject": "Undangan", "signatory_name": "Kepala Bakesbangpol", "signatory_title": "Kepala Bakesbangpol"}}


async def busiest_day(p: stack.IsolatedPlatform) -> list[dict]:
    op, analyst = token("operator", "35.75"), token("analyst", "35")
    tag = f"load{uuid.uuid4().hex[:6]}"
    today = dt.date.today()
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=64)) as http:
        data, _, _ = workbook(tag, today)  # 700 with a valid SKT, 30 lapsed, 20 unregistered
        r = await http.post(p.urls["registry"] + "/ormas/imports", files={"file": ("o.xlsx", data, XLSX)},
                             headers=token("admin", "35.75"))  # a book with SKTs: an admin imports it
        r.raise_for_status()
        k = (await http.post(p.urls["events"] + "/kegiatan", json=_kegiatan(f"Fasilitasi Ormas {tag}", "35.75"),
                             headers=op)).json()
        kid = k["id"]
        await _copy_holds(http, p.urls["events"], op, kid, {"bidang": [tag], "valid_skt_on": today.isoformat()}, 700, 600)
        (await http.post(p.urls["events"] + f"/kegiatan/{kid}/transitions", json={"action": "publish"}, headers=op)).raise_for_status()
        invited = list((await invited_events(p, kid, 700)).values())
        (await http.post(p.urls["events"] + f"/kegiatan/{kid}/transitions", json={"action": "start"}, headers=op)).raise_for_status()
        # next week's dialog, to the same ormas: its invitations are being answered today
        nxt = (await http.post(p.urls["events"] + "/kegiatan", json=_kegiatan(f"Dialog Kebangsaan {tag}", "35.75", hours=24 * 7),
                               headers=op)).json()
        await _copy_holds(http, p.urls["events"], op, nxt["id"], {"bidang": [tag], "valid_skt_on": today.isoformat()}, 700, 60)
        (await http.post(p.urls["events"] + f"/kegiatan/{nxt['id']}/transitions", json={"action": "publish"},
                         headers=op)).raise_for_status()
        answering = list((await invited_events(p, nxt["id"], 700)).values())
        ids = [oid async for oid in _ormas_ids(http, p.urls["registry"], op, tag)]
        rec = Recorder()
        stop = time.perf_counter() + LOAD_SECONDS
        queue = list(invited)
        random.Random(7).shuffle(queue)

        async def door():  # an operator scanning QR codes; people arrive in random order, some twice
            rnd = random.Random()
            while time.perf_counter() < stop:
                d = queue.pop() if queue and rnd.random() < 0.9 else rnd.choice(invited)
                await rec.call("check-in scan", http, "POST", p.urls["events"] + f"/kegiatan/{kid}/check-ins",
                               json={"token": d["change"]["checkin_token"]}, headers=op)

        async def ormas():  # an ormas opening its link and answering
            rnd = random.Random()
            while time.perf_counter() < stop:
                d = rnd.choice(answering)
                link = d["change"]["rsvp_url"].split("/rsvp/", 1)[1]
                await rec.call("RSVP page (HTML)", http, "GET", p.urls["events"] + f"/rsvp/{link}")
                await rec.call("RSVP answer", http, "POST", p.urls["events"] + f"/api/rsvp/{link}",
                               json={"attending": True, "delegates": ["Ketua"]})

        async def staff():  # the office: searching the book, opening and editing a record
            rnd = random.Random()
            words = ["pemuda", "peduli", "bangsa", tag, "karya", "budaya"]
            while time.perf_counter() < stop:
                await rec.call("registry search", http, "GET", p.urls["registry"] + "/ormas",
                               params={"q": rnd.choice(words), "region": "35.75"}, headers=op)
                oid = rnd.choice(ids)
                got = await rec.call("registry read", http, "GET", p.urls["registry"] + f"/ormas/{oid}", headers=op)
                if got is not None and got.status_code == 200:
                    await rec.call("registry edit", http, "PATCH", p.urls["registry"] + f"/ormas/{oid}",
                                   json={"address": {"street": f"Jl. Veteran {rnd.randrange(1000)}"}},
                                   headers={**op, "If-Match": got.headers.get("etag", "")}, ok=(200, 412))

        async def dashboard():  # the province's analysts refreshing their dashboard
            while time.perf_counter() < stop:
                await rec.call("dashboard ormas figures", http, "GET", p.urls["reporting"] + "/stats/ormas",
                               params={"region": "35"}, headers=analyst)
                await rec.call("dashboard kegiatan figures", http, "GET", p.urls["reporting"] + "/stats/kegiatan",
                               params={"region": "35"}, headers=analyst)

        t0 = time.perf_counter()
        await asyncio.gather(*(door() for _ in range(4)), *(ormas() for _ in range(8)), *(staff() for _ in range(2)),
                             *(dashboard() for _ in range(2)))
        seconds = time.perf_counter() - t0
    return rec.rows(f"busiest day (4 door scanners, 8 ormas, 2 staff, 2 analysts, {seconds:.0f} s)", seconds)


async def _ormas_ids(http, base, h, tag):
    r = await http.get(base + "/ormas", params={"q": tag, "region": "35.75"}, headers=h)
    r.raise_for_status()
    for o in r.json()["items"]:
        yield o["id"]


def city_book(rows: int, start: int, city: str, tag: str, today: dt.date) -> bytes:
    """One city's book: every ormas with its secretariat's e-mail and a valid SKT."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Ormas")
    ws.append(["Nama Ormas", "Jenis", "Kode Wilayah", "Email", "Bidang", "Nomor SKT", "Tanggal SKT"])
    for i in range(start, start + rows):
        ws.append([f"Ormas {tag} {i:06d}", "LSM" if i % 3 == 0 else "Ormas", city, f"sekretariat{i}@{tag}.or.id",
                   f"sosial; {tag}", f"220/{i}/SKT/2025", today - dt.timedelta(days=30 + i % 300)])
    import io

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def briefing(p: stack.IsolatedPlatform) -> list[dict]:
    cities = [r.code for r in regions.children("35")]
    tag = f"brief{uuid.uuid4().hex[:6]}"
    today = dt.date.today()
    rows: list[dict] = []
    per_city = BRIEFING // len(cities)
    total = per_city * len(cities)
    async with httpx.AsyncClient(timeout=1800, limits=httpx.Limits(max_connections=64)) as http:
        t0 = time.perf_counter()
        sem = asyncio.Semaphore(2)

        async def import_city(i: int, city: str):
            data = city_book(per_city, i * per_city, city, tag, today)
            async with sem:
                r = await http.post(p.urls["registry"] + "/ormas/imports", files={"file": (f"{city}.xlsx", data, XLSX)},
                                    headers=token("admin", city))
            r.raise_for_status()
            return r.json()["created"]

        kafka, topic = stack.infra_urls()["kafka"], p.topic("registry.ormas")
        before = await topic_end(kafka, topic)
        created = sum(await asyncio.gather(*(import_city(i, c) for i, c in enumerate(cities))))
        seconds = time.perf_counter() - t0
        rows.append({"name": f"briefing: the 38 cities import {total} ormas (2 at a time)", "created": created,
                     "seconds": round(seconds, 1), "rows_per_s": round(created / seconds, 1)})
        op = token("operator", "35")
        k = (await http.post(p.urls["events"] + "/kegiatan",
                             json=_kegiatan(f"Sosialisasi Pemilu Damai {tag}", "35.78", hours=30), headers=op)).json()
        kid = k["id"]
        # timed by Kafka (every created event committed by the events consumers, after their batch's
        # copies were written), then confirmed once as the office sees it: the rule resolves to all
        t1 = time.perf_counter()
        await asyncio.wait_for(group_caught_up(kafka, topic, p.topic_prefix + "events", before + created), 1800)
        copied = time.perf_counter() - t1
        await _copy_holds(http, p.urls["events"], op, kid, {"bidang": [tag]}, created, 60)
        rows.append({"name": "briefing: every imported ormas in the events copy (from the end of the imports)",
                     "ormas": created, "seconds": round(copied, 1), "per_s": round(created / max(copied, 0.01), 1)})
        mailbox = Mailbox(stack.infra_urls()["mailpit"])
        before = mailbox.total()
        t0 = time.perf_counter()
        r = await http.post(p.urls["events"] + f"/kegiatan/{kid}/transitions", json={"action": "publish"}, headers=op)
        r.raise_for_status()
        answered = time.perf_counter() - t0
        invited = await invited_events(p, kid, created)
        fanout = time.perf_counter() - t0
        rows.append({"name": f"briefing: publish to {created} ormas → every invitation on the topic",
                     "invited": len(invited), "publish_answered_s": round(answered, 1), "seconds": round(fanout, 1),
                     "per_s": round(len(invited) / fanout, 1)})
        rec = Recorder()
        wave = list(invited.values())[:WAVE]
        sem = asyncio.Semaphore(32)

        async def answer(d):
            link = d["change"]["rsvp_url"].split("/rsvp/", 1)[1]
            async with sem:
                await rec.call("RSVP answer", http, "POST", p.urls["events"] + f"/api/rsvp/{link}",
                               json={"attending": True, "delegates": ["Ketua", "Sekretaris"]})

        t0 = time.perf_counter()
        await asyncio.gather(*(answer(d) for d in wave))
        seconds = time.perf_counter() - t0
        rows += rec.rows(f"briefing: first wave of {len(wave)} answers, 32 concurrent", seconds)
        sent = mailbox.total() - before
        since = fanout + (time.perf_counter() - t0)  # the fan-out, then the wave
        rows.append({"name": "briefing: invitation e-mails (with PDF letters) sent meanwhile", "emails": sent,
                     "seconds_since_publish": round(since, 1), "per_s": round(sent / since, 1)})
    return rows


async def tense_week(p: stack.IsolatedPlatform) -> list[dict]:
    from pymongo import AsyncMongoClient

    from services.earlywarning.domain import reports as rubric

    base = p.urls["earlywarning"]
    rng = random.Random(20201209)
    cities = [c.code for c in regions.children("35")]
    rec = Recorder()
    expected_alerts = 0
    async with httpx.AsyncClient(timeout=60) as http:
        teams: dict[str, int] = {}
        for office in ["35", *cities]:
            h = token("head", office)
            for i in range(3):
                r = await http.post(f"{base}/team", headers=h, json={
                    "name": f"Anggota {office} {i}", "email": f"tim{i}.{office.replace('.', '')}@example.go.id",
                    "whatsapp": f"+62812{rng.randrange(10**7):07d}", "head": i == 0, "verifier": i == 0})
                r.raise_for_status()
            teams[office] = 3
        villages: dict[str, list[str]] = {}
        from lokal import wilayah

        for c in cities:
            kec = wilayah.list_wilayah(c)
            villages[c] = [d.code for k in kec[:3] for d in wilayah.list_wilayah(k.code)[:5]] or [c]
        plan = []
        for i in range(EW_REPORTS):
            city = rng.choice(cities)
            violence = rng.choices(["tidak_ada", "ancaman", "bentrok", "korban"], [60, 28, 9, 3])[0]
            people, spread = rng.choice([5, 15, 40, 150, 400]), rng.random() < 0.1
            severity = rubric.assess(violence=violence, people_estimate=people, spread=spread)
            if severity in ("tinggi", "kritis"):
                expected_alerts += 2 * (teams[city] + teams["35"])  # e-mail and WhatsApp each (no national team)
            plan.append((i * EW_SECONDS / EW_REPORTS, city, {
                "title": f"Laporan beban {i}", "chronology": "Ketegangan antarkelompok menjelang pemungutan suara.",
                "location_code": rng.choice(villages[city]), "category": rng.choice(list(rubric.CATEGORIES)),
                "violence": violence, "people_estimate": people, "spread": spread, "source_kind": "anggota_tim"}))
        t0 = time.perf_counter()

        async def one(at: float, city: str, body: dict) -> None:
            await asyncio.sleep(max(0.0, at - (time.perf_counter() - t0)))
            await rec.call("earlywarning: report received", http, "POST", f"{base}/reports", json=body,
                           headers=token("operator", city))

        await asyncio.gather(*(one(*x) for x in plan))
        intake = time.perf_counter() - t0
    client = AsyncMongoClient(stack.infra_urls()["mongo"])
    messages = client[p.db_name("notifications")]["messages"]
    alerts = {"kind": {"$regex": "^ew_alert"}}
    last_seen, last_change = -1, time.perf_counter()
    while time.perf_counter() - last_change < 60:  # until nothing moved for a minute
        done = await messages.count_documents({**alerts, "status": {"$in": ["sent", "delivered", "read"]}})
        if done != last_seen:
            last_seen, last_change = done, time.perf_counter()
        if done >= expected_alerts:
            break
        await asyncio.sleep(1)
    drained = time.perf_counter() - t0 - intake
    written = await messages.count_documents(alerts)  # one record per member, kind and channel (its _id)
    by_status: dict[str, int] = defaultdict(int)
    async for m in messages.find(alerts, {"status": 1, "channel": 1}):
        by_status[f"{m['channel']}:{m['status']}"] += 1
    await client.close()
    rows = rec.rows("tense week", intake)
    rows.append({"name": "tense week: escalation alerts", "reports": EW_REPORTS, "intake_seconds": round(intake, 1),
                 "alerts_expected": expected_alerts, "alerts_written": written, "alerts_sent": last_seen,
                 "lost": max(0, expected_alerts - written), "extra": max(0, written - expected_alerts),
                 "last_alert_after_last_report_s": round(drained, 1), "by_status": dict(sorted(by_status.items()))})
    return rows


async def main_async(p: stack.IsolatedPlatform) -> dict:
    results = {"machine": machine(), "when": dt.datetime.now(dt.UTC).isoformat(), "profiles": []}
    only = [s for s in os.environ.get("LOAD_ONLY", "").split(",") if s]
    for name, profile in (("day", busiest_day), ("briefing", briefing), ("earlywarning", tense_week)):
        if only and name not in only:
            continue
        for row in await profile(p):
            results["profiles"].append(row)
            print("  " + ", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return results


def main() -> None:
    write_results(on_isolated_platform(PORTS, ENV, lambda p, _: main_async(p)), "load")


if __name__ == "__main__":
    main()
