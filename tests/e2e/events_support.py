"""What the events scenarios share: recording ormas in the registry as an office does, waiting for
the events service's copy, creating and publishing a kegiatan, reading its invitations."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from typing import Any

import httpx
from openpyxl import Workbook

from shared import regions
from tests.helpers import eventually

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["Nama Ormas", "Jenis", "Kab/Kota", "Alamat", "Email", "No. HP", "Bidang", "Nomor SKT", "Tanggal SKT"]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def book(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def import_book(http: httpx.AsyncClient, headers: dict, rows: list[list[Any]]) -> dict:
    r = await http.post("/ormas/imports", files={"file": ("ormas.xlsx", book(rows), XLSX)}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["invalid"] == 0, r.json()["errors"]
    return r.json()


async def create_ormas(http: httpx.AsyncClient, headers: dict, **fields) -> dict:
    r = await http.post("/ormas", json=fields, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


LETTER = {"number": "005/{n}/423.202/2026", "nature": "Penting", "attachment": "-", "subject": "Undangan",
          "signatory_name": "Drs. H. Mas Djoko Baroto, M.Si.", "signatory_title": "Kepala Bakesbangpol Kota Pasuruan"}


def kegiatan_body(**over) -> dict:
    start = now() + dt.timedelta(hours=2)
    body = {"title": "Fasilitasi Pemberdayaan Ormas dan LSM", "type": "fasilitasi", "venue_name": "Rumah Makan Gedoeng Woloe",
            "venue_region": "35.75", "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=8)).isoformat(),
            "rsvp_cutoff": (now() + dt.timedelta(hours=1)).isoformat(),
            "letter": {**LETTER, "number": LETTER["number"].format(n=uuid.uuid4().hex[:4])}}
    body.update(over)
    return body


async def create_kegiatan(http: httpx.AsyncClient, headers: dict, **over) -> dict:
    r = await http.post("/kegiatan", json=kegiatan_body(**over), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def set_invitees_when_copied(http: httpx.AsyncClient, headers: dict, kid: str, body: dict, expected: int) -> dict:
    """PUT the targeting, then wait until the events service's copy of the registry (fed by
    registry.ormas) resolves it to the expected number of ormas."""
    async def resolved():
        r = await http.put(f"/kegiatan/{kid}/invitees", json=body, headers=headers)
        if r.status_code == 422 and "not in the registry" in r.text:
            return None  # an explicit ormas has not reached the copy yet
        assert r.status_code == 200, r.text
        return r.json() if r.json()["ormas"] == expected else None

    return await eventually(resolved, timeout=60, interval=0.5, what=f"{expected} ormas in the events copy")


async def step(http: httpx.AsyncClient, headers: dict, kid: str, action: str, **kw) -> httpx.Response:
    return await http.post(f"/kegiatan/{kid}/transitions", json={"action": action, **kw}, headers=headers)


async def invitations(kafka, topic: str, kid: str, expected: int, timeout: float = 60) -> list[dict]:
    """The ``invited`` events of one kegiatan on the participation topic, once all are there."""
    def mine(msgs):
        return [e for e in (json.loads(m.value) for m in msgs)
                if e["type"].endswith("participation.invited") and e["data"]["kegiatan_id"] == kid]

    msgs = await kafka.read(topic, until=lambda ms: len({e["data"]["participant_id"] for e in mine(ms)}) >= expected,
                            timeout=timeout)
    return mine(msgs)


async def events_of(kafka, topic: str, kid: str, type_suffix: str, expected: int, timeout: float = 30) -> list[dict]:
    def mine(msgs):
        return [e for e in (json.loads(m.value) for m in msgs)
                if e["type"].endswith(type_suffix) and e["data"]["kegiatan_id"] == kid]

    return mine(await kafka.read(topic, until=lambda ms: len(mine(ms)) >= expected, timeout=timeout))


def rsvp_api(url: str) -> str:
    """The JSON API behind an invitation's RSVP page link."""
    base, _, path = url.partition("/rsvp/")
    return f"{base}/api/rsvp/{path}"


async def dashboard_agrees(platform, headers: dict, kid: str, timeout: float = 120, *,
                           status: str | None = None) -> dict:
    """Waits until reporting's figures of the kegiatan (what the dashboard counts) equal what the
    events service recorded (invited, answered, checked in) and what notifications delivered (by
    channel and status) — and, given ``status``, until reporting has its last status too (the
    ``completed`` event travels apart from the participants'); returns them."""
    async with httpx.AsyncClient(timeout=60) as http:
        async def agree():
            att = (await http.get(f"{platform.urls['events']}/kegiatan/{kid}/attendance", headers=headers)).json()
            sent = (await http.get(f"{platform.urls['notifications']}/kegiatan/{kid}/deliveries", headers=headers)).json()
            r = await http.get(f"{platform.urls['reporting']}/stats/kegiatan/{kid}", headers=headers)
            if r.status_code != 200:
                return None
            got = r.json()
            wanted = {k: att[k] for k in ("invited", "attending", "declined", "checked_in")}
            settled = all(st in ("sent", "delivered", "read", "failed", "unreachable", "dead")
                          for by in sent["by_channel"].values() for st in by)
            if status is not None and got.get("status") != status:
                return None
            return got if got["participation"] == wanted and settled and got["deliveries"] == {
                ch: {st: n for st, n in by.items() if st != "dead"} for ch, by in sent["by_channel"].items()} else None

        return await eventually(agree, timeout=timeout, interval=1, what="reporting's figures of the kegiatan")


COUNTED = ("invited", "attending", "declined", "checked_in", "walk_ins", "people_present", "aspirations")


async def report_lists(platform, headers: dict, kegiatan: dict, counts: dict,
                       timeout: float = 180) -> tuple[list[str], list[list[str]]]:
    """Compiles the monthly report of the kegiatan's region (again, while its line does not yet carry
    the counts: what happened reaches reporting a moment later, and other tests share the region)
    until its list of kegiatan has the kegiatan with ``counts`` (``COUNTED``: its ``completed``
    event's, or what the events service shows); returns the line and the whole CSV table."""
    from services.reporting.domain.reports import LIST_COLUMNS, LIST_TITLE

    start = dt.datetime.fromisoformat(kegiatan["starts_at"])
    month = start.astimezone(regions.ZONES[kegiatan["venue"]["zone"]]).strftime("%Y-%m")
    rid = f"{kegiatan['region']}:{month}"
    at = LIST_COLUMNS.index("Diundang")
    wanted = [str(counts[k]) for k in COUNTED]
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=60) as rp:
        async def listed():
            r = await rp.get(f"/reports/{rid}", headers=headers)
            if r.status_code == 200 and r.json()["status"] in ("queued", "running"):
                return None
            if r.status_code == 200 and r.json()["status"] == "done" and "csv" in r.json()["files"]:
                text = (await rp.get(r.json()["files"]["csv"]["url"], headers=headers)).content.decode("utf-8-sig")
                table = list(csv.reader(io.StringIO(text)))
                lines = table[table.index([LIST_TITLE]) + 2:] if [LIST_TITLE] in table else []
                line = next((row for row in lines if row[-1] == kegiatan["id"]), None)
                if line is not None and line[at:at + len(wanted)] == wanted:
                    return line, table
            # (another test may have asked for this report without its CSV)
            r = await rp.post("/reports", json={"region": kegiatan["region"], "period": month, "refresh": True,
                                                "formats": ["pdf", "xlsx", "csv"]}, headers=headers)
            assert r.status_code in (200, 202), r.text
            return None

        return await eventually(listed, timeout=timeout, interval=1, what="the kegiatan in its region's monthly report")


async def message_sent(platform, headers: dict, message_id: str, what: str, timeout: float = 60) -> None:
    """Waits until notifications reports the message as sent."""
    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=60) as nt:
        async def sent():
            r = await nt.get(f"/messages/{message_id}", headers=headers)
            return r.status_code == 200 and r.json()["status"] == "sent"

        await eventually(sent, timeout=timeout, what=what)


async def publish_killed_mid_fan_out(platform, mongo, headers: dict, *, name: str, port: int, ids: list[str],
                                     invite: int) -> tuple[str, dict[str, str], Any]:
    """A kegiatan inviting the first ``invite`` of ``ids`` (recorded in a fresh events database's
    registry copy), published by an events API that SIGKILLs itself after writing the fan-out's
    first chunk of 10 participants. Returns the kegiatan id, the environment of that database (to
    start the next events process with) and the database."""
    from deploy.local import stack

    env = {**platform.env("events"), "EVENTS_MONGO_DB": platform.db_name("events") + f"_{name}",
           "EVENTS_FANOUT_CHUNK": "10", "EVENTS_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    db = mongo[env["EVENTS_MONGO_DB"]]
    await db["registry_ormas"].insert_many([{"_id": i, "version": 1, "name": f"Ormas {i}", "kind": "ormas",
                                             "region": "35.75", "status": "registered", "email": f"{i}@x.id",
                                             "bidang": [], "officers": []} for i in ids])
    crashing = stack.api_component("events", port, {**env, "KESBANG_FAILPOINTS": "events.fanout_partial"},
                                   name=f"events-{name}-crashing")
    proc = platform.group.start(crashing)
    try:
        platform.group.wait_healthy(crashing, proc)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20) as http:
            k = await create_kegiatan(http, headers)
            r = await http.put(f"/kegiatan/{k['id']}/invitees", json={"ormas_ids": ids[:invite]}, headers=headers)
            assert r.json()["count"] == invite
            try:
                await step(http, headers, k["id"], "publish")
            except httpx.TransportError:
                pass  # the process may die before it answers
        assert proc.wait(timeout=20) == -9
    finally:
        platform.group.stop(f"events-{name}-crashing")
    return k["id"], env, db
