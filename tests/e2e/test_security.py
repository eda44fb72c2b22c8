"""Locked down: every endpoint of every service × every role × inside and outside the region.

One office's records (Kota Pasuruan, 35.75) are made through the APIs — an ormas with its board
(NIK, phone), a document, a published kegiatan with an aspiration, its invitation message, a
report — then every operation in the four OpenAPI documents is called with each role's token from
a neighbouring city (35.73) and from another province (33): no read answers with the records, no
write changes them. Inside, every role of the office and of its province reads them, and only
operators and admins write. Bad tokens (tampered, expired, ``alg=none``, another key) get 401 on
every service. Last, the logs of the whole run so far hold neither the seeded NIK nor the phone."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from deploy.local import stack
from shared import auth
from tests.e2e.earlywarning_support import PNG
from tests.e2e.events_support import create_kegiatan, create_ormas, message_sent, set_invitees_when_copied, step
from tests.helpers import eventually

pytestmark = pytest.mark.e2e

HOME, NEIGHBOUR, ELSEWHERE, PROVINCE = "35.75", "35.73", "33", "35"
NIK = "3575015505880003"
PHONE = "081377712340"
PHONE_DIGITS = ("81377712340",)  # in any form: 0813…, +62813…, 62813…
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Reachable without a token by design: health and metrics, the RSVP link (its own signed token), the
# provider's signed webhooks, the login, the first-run setup (its own one-time code), the public keys,
# a signed document's verification record (its printed code is the key; no personal data), and the
# public directory of registered ormas (no personal data).
PUBLIC = re.compile(r"^/(health|ready|live|metrics|api/rsvp/|webhooks/|auth/(token|setup|activation)$|\.well-known/|documents/|"
                    r"directory$|public/reports$|portal/signup$)")  # the public's reports of potential conflict and new
# organisations' sign-ups (both limited per address)
SERVICES = ("registry", "events", "notifications", "reporting", "earlywarning")
WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
async def records(platform, headers):
    """Kota Pasuruan's records, made as its office would."""
    op = headers("operator", HOME)
    tag = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        o = await create_ormas(reg, op, name=f"Ormas Rahasia {tag}", kind="ormas", region=HOME,
                               email=f"ketua.{tag}@ormas.example.org", whatsapp=PHONE)
        board = {"officers": [{"name": "Ketua Rahasia", "position": "ketua", "nik": NIK, "phone": PHONE}]}
        r = await reg.put(f"/ormas/{o['id']}/officers", json=board, headers=op)
        assert r.status_code == 200, r.text
        r = await reg.post(f"/ormas/{o['id']}/documents", data={"type": "akta_pendirian"},
                           files={"file": ("akta.pdf", PDF, "application/pdf")}, headers=op)
        assert r.status_code == 201, r.text
        document_id = r.json()["documents"][0]["id"]
        r = await reg.post("/ormas/imports/jobs", headers=op,
                           files={"file": ("buku.csv", f"Nama Ormas,Jenis,Kode Wilayah\nOrmas Impor {tag},LSM,{HOME}\n".encode(),
                                           "text/csv")})
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        invited = (await reg.post(f"/ormas/{o['id']}/account", json={"full_name": "Pengurus Rahasia"}, headers=op)).json()
        secret_word = "sandi-pengurus-rahasia"
        r = await reg.post("/auth/activation", json={"token": invited["activation_url"].rsplit("/", 1)[1],
                                                     "password": secret_word})
        assert r.status_code == 200, r.text
        officer = (await reg.post("/auth/token", data={"username": invited["username"], "password": secret_word})).json()
        r = await reg.post("/portal/activity-reports", headers={"Authorization": f"Bearer {officer['access_token']}"},
                           json={"period": "2026-S2", "people_reached": 10,
                                 "activities": [{"date": "2026-08-17", "title": "Kegiatan rahasia"}]})
        assert r.status_code == 201, r.text
        r = await reg.post("/portal/change-requests", headers={"Authorization": f"Bearer {officer['access_token']}"},
                           json={"contacts": {"email": f"baru.{tag}@ormas.example.org"}})
        assert r.status_code == 201, r.text
        change_id = r.json()["id"]
        department = auth.mint((stack.DATA / "keys" / "jwt-dev-private.pem").read_bytes(), subject="dinas.rahasia",
                               role="opd", region=HOME, issuer="kesbang-registry", audience="kesbang")
        r = await reg.post("/recommendation-requests", headers={"Authorization": f"Bearer {department}"},
                           json={"department": "Dinas Rahasia", "subject": "Program rahasia untuk pemuda"})
        assert r.status_code == 201, r.text
        request_id = r.json()["id"]
        username = f"petugas{tag}"
        r = await reg.post("/users", json={"username": username, "full_name": "Petugas Rahasia", "role": "operator",
                                           "region": HOME, "password": "rahasia-yang-panjang"},
                           headers=headers("admin", HOME))
        assert r.status_code == 201, r.text
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:
        k = await create_kegiatan(ev, op, title=f"Dialog Tertutup {tag}")
        await set_invitees_when_copied(ev, op, k["id"], {"ormas_ids": [o["id"]]}, 1)
        assert (await step(ev, op, k["id"], "publish")).status_code == 200
        assert (await step(ev, op, k["id"], "start")).status_code == 200, "outcomes are recorded once it began"
        r = await ev.post(f"/kegiatan/{k['id']}/aspirations", headers=op,
                          json={"topic": "Aspirasi rahasia", "raised_by": "Ketua Rahasia", "follow_up_owner": "Sekda"})
        assert r.status_code == 201, r.text
        aspiration_id = r.json()["aspirations"][0]["id"]

        async def invited():  # the publish answers before its fan-out has written the participant
            items = (await ev.get(f"/kegiatan/{k['id']}/participants", headers=op)).json()["items"]
            return items[0]["id"] if items else None

        participant_id = await eventually(invited, timeout=60, what="the invited participant")
    message_id = f"{k['id']}:{o['id']}:invitation:whatsapp"
    await message_sent(platform, op, message_id, "the WhatsApp invitation sent to the seeded phone")
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=60) as rp:
        r = await rp.post("/reports", json={"period": "2026-Q3"}, headers=op)
        assert r.status_code in (200, 202), r.text
        report_id = r.json()["id"]
    async with httpx.AsyncClient(base_url=platform.urls["earlywarning"], timeout=60) as ew:
        r = await ew.post("/team", json={"name": "Anggota Tim Rahasia", "whatsapp": "+62" + PHONE[1:]},
                          headers=headers("head", HOME))
        assert r.status_code == 201, r.text
        member_id = r.json()["id"]
        r = await ew.post("/reports", headers=op, json={
            "title": f"Laporan Rahasia {tag}", "chronology": "Kronologi yang hanya untuk kantor ini.",
            "location_code": "35.75.01.1001", "category": "antarkelompok", "violence": "ancaman",
            "parties": [{"name": "Kelompok Rahasia"}],
            "reporter_name": "Pelapor Rahasia", "reporter_contact": PHONE,
            "photos": [{"name": "foto.png", "data_base64": base64.b64encode(PNG).decode()}]})
        assert r.status_code == 201, r.text
        warning = r.json()
    return {"earlywarning.report_id": warning["id"], "photo_id": warning["photos"][0]["id"], "member_id": member_id,
            "warning_title": warning["title"], "period": "2026-S2", "request_id": request_id, "change_id": change_id, "ormas_id": o["id"], "document_id": document_id, "kegiatan_id": k["id"], "aspiration_id": aspiration_id,
            "participant_id": participant_id, "message_id": message_id, "report_id": report_id,
            "region": HOME, "fmt": "pdf", "name": o["name"], "title": k["title"], "username": username,
            "job_id": job_id}


async def _operations(platform) -> list[tuple[str, str, str]]:
    ops = []
    async with httpx.AsyncClient(timeout=30) as http:
        for service in SERVICES:
            schema = (await http.get(platform.urls[service] + "/openapi.json")).json()
            for path, item in schema["paths"].items():
                for method in item:
                    if method in WRITES | {"get"} and not PUBLIC.match(path):
                        ops.append((service, method, path))
    return ops


def _of(service: str, records: dict) -> dict:
    """The records as one service names them (``earlywarning.report_id`` is that service's report_id)."""
    return {**records, **{k.split(".", 1)[1]: v for k, v in records.items() if k.startswith(service + ".")}}


def _fill(path: str, records: dict, service: str = "") -> str:
    records = _of(service, records)
    missing = [p for p in re.findall(r"{(\w+)}", path) if p not in records]
    assert not missing, f"{path}: no record for {missing} — give the matrix one"
    return re.sub(r"{(\w+)}", lambda m: str(records[m.group(1)]), path)


# the collection writes, with a body aimed at the home office's region
def _aimed_at_home(service: str, method: str, path: str) -> dict:
    bodies = {
        ("registry", "/ormas"): {"json": {"name": "Ormas Penyusup", "kind": "ormas", "region": HOME}},
        ("registry", "/ormas/imports/jobs"): {"files": {"file": ("o.csv", b"Nama Ormas,Jenis,Kode Wilayah\nOrmas Penyusup,LSM,35.75\n",
                                                                 "text/csv")}, "data": {"region": HOME}},
        ("registry", "/ormas/imports"): {"files": {"file": ("o.csv", b"Nama Ormas,Jenis,Kode Wilayah\nOrmas Penyusup,LSM,35.75\n",
                                                            "text/csv")}, "data": {"region": HOME}},
        ("events", "/kegiatan"): {"json": {"title": "Kegiatan Penyusup", "type": "dialog", "venue_name": "Aula",
                                           "venue_region": HOME, "region": HOME,
                                           "starts_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat(),
                                           "ends_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=3, hours=4)).isoformat()}},
        ("reporting", "/reports"): {"json": {"region": HOME, "period": "2026-Q3"}},
        ("earlywarning", "/reports"): {"json": {"title": "Laporan Penyusup", "chronology": "Kronologi dari kantor lain.",
                                                "location_code": "35.75.01", "category": "lainnya", "violence": "tidak_ada"}},
        ("registry", "/activity-reports/reminders"): {"json": {"period": "2026-S2", "region": HOME}},
        ("registry", "/recommendation-requests"): {"json": {"department": "Dinas Penyusup", "subject": "Program penyusup"}},
        ("earlywarning", "/team"): {"json": {"name": "Anggota Penyusup", "email": "penyusup@example.org", "region": HOME}},
        ("registry", "/users"): {"json": {"username": f"penyusup{uuid.uuid4().hex[:6]}", "password": "rahasia-sekali-123",
                                          "role": "admin", "region": HOME}},
    }
    return bodies.get((service, path), {"json": {}})


async def _state(platform, headers, records) -> dict:
    """What the outsiders must not change, read by the office itself."""
    op = headers("admin", HOME)
    async with httpx.AsyncClient(timeout=30) as http:
        ormas = (await http.get(f"{platform.urls['registry']}/ormas/{records['ormas_id']}", headers=op)).json()
        officers = (await http.get(f"{platform.urls['registry']}/ormas/{records['ormas_id']}/officers", headers=op)).json()
        k = (await http.get(f"{platform.urls['events']}/kegiatan/{records['kegiatan_id']}", headers=op)).json()
        msg = (await http.get(f"{platform.urls['notifications']}/messages/{records['message_id']}", headers=op)).json()
        report = (await http.get(f"{platform.urls['reporting']}/reports/{records['report_id']}", headers=op)).json()
        ew = platform.urls["earlywarning"]
        warning = (await http.get(f"{ew}/reports/{records['earlywarning.report_id']}", headers=headers("head", HOME))).json()
        warnings = (await http.get(f"{ew}/reports", params={"limit": 200}, headers=op)).json()["items"]
        team = (await http.get(f"{ew}/team", headers=op)).json()
        listing = (await http.get(f"{platform.urls['registry']}/ormas", params={"region": HOME, "q": "Penyusup"},
                                  headers=op)).json()
        kegiatan = (await http.get(f"{platform.urls['events']}/kegiatan", params={"q": "Penyusup"}, headers=op)).json()
    return {"ormas": (ormas["version"], ormas["status"]), "officers": officers["officers"],
            "kegiatan": (k["version"], k["status"], len(k.get("aspirations") or [])),
            "message": (msg["status"], msg["attempts"]), "report": report["status"],
            "warning": (warning["version"], warning["status"], warning["assignee"]),
            "team": sorted((m["id"], m["name"], m["active"]) for m in team),
            "intruders": (listing["total"] if "total" in listing else len(listing["items"]),
                          sum("Penyusup" in (x.get("title") or "") for x in kegiatan["items"]),
                          sum("Penyusup" in x["title"] for x in warnings))}


async def test_no_role_outside_the_region_reads_or_writes_the_offices_records(platform, headers, records):
    ops = await _operations(platform)
    assert len(ops) >= 50, ops  # the five services' operations, not an empty matrix
    before = await _state(platform, headers, records)
    secrets = [records["ormas_id"], records["kegiatan_id"], records["name"], records["title"], NIK, *PHONE_DIGITS,
               records["warning_title"], "Pelapor Rahasia", "Anggota Tim Rahasia"]
    failures = []
    async with httpx.AsyncClient(timeout=60) as http:
        for region in (NEIGHBOUR, ELSEWHERE):
            for role in auth.STAFF_ROLES:
                h = headers(role, region)
                for service, method, path in ops:
                    url = platform.urls[service] + _fill(path, records, service)
                    params = {"region": HOME} if method == "get" and "{" not in path else None
                    body = _aimed_at_home(service, method, path) if method in WRITES else {}
                    r = await http.request(method.upper(), url, headers=h, params=params, **body)
                    where = f"{role}@{region} {method.upper()} {path} → {r.status_code}"
                    if r.status_code >= 500:
                        failures.append(f"{where}: server error")
                    elif method == "get" and "{" in path and r.status_code not in (403, 404):
                        failures.append(f"{where}: another office's record answered")
                    elif method == "get" and r.is_success and any(s in r.text for s in secrets):
                        failures.append(f"{where}: the listing shows the office's records")
                    elif method in WRITES and r.is_success:
                        failures.append(f"{where}: a write went through")
    assert not failures, "\n".join(failures)
    assert await _state(platform, headers, records) == before


async def test_inside_every_role_reads_and_only_operators_and_admins_write(platform, headers, records):
    ops = await _operations(platform)
    failures = []
    async with httpx.AsyncClient(timeout=60) as http:
        for service, method, path in ops:
            if method != "get" or "{" not in path or path.startswith(("/offices", "/users", "/portal/")):
                continue  # accounts are an admin's (tested in test_hardening.py), the portal an ormas account's
            for role, region in [(r, HOME) for r in auth.STAFF_ROLES] + [("analyst", PROVINCE), ("head", PROVINCE)]:
                r = await http.get(platform.urls[service] + _fill(path, records, service), headers=headers(role, region))
                if path.endswith("/files/{fmt}") and r.status_code == 409:
                    continue  # the report is still compiling: in scope, not ready
                if r.status_code != 200:
                    failures.append(f"{role}@{region} GET {path} → {r.status_code}: {r.text[:200]}")
        # a role that does not write is refused before anything is read or validated
        for role in ("analyst", "head", "verifier"):
            for service, method, path in ops:
                if service == "earlywarning" and role != "analyst":
                    continue  # verifiers and heads verify and assign reports; heads keep the team
                if method not in WRITES or path in ("/ormas/{ormas_id}/transitions", "/reports",
                                                    "/reports/{report_id}/retry", "/reports/{report_id}/submission",
                                                    "/reports/{report_id}/acknowledgement", "/preview", "/auth/password",
                                                    "/change-requests/{change_id}/decision"):
                    continue  # verifiers and heads move ormas through verification and decide renewals; any role but the verifier
                    # asks for reports, sends them up and acknowledges them; all preview and change their password
                r = await http.request(method.upper(), platform.urls[service] + _fill(path, records, service),
                                       headers=headers(role, HOME), json={})
                if r.status_code != 403:
                    failures.append(f"{role}@{HOME} {method.upper()} {path} → {r.status_code} (403 expected)")
    assert not failures, "\n".join(failures)


async def test_an_ormas_account_reaches_no_record_but_its_own(platform, infra, records):
    """Every operation of the five services with the token of another ormas of the same office: no
    read shows the office's records, no write goes through — but the one an ormas account is
    given everywhere: a report of potential conflict about its region."""
    token = auth.mint(infra.private_key, subject="ormas.lain", role="ormas", region=HOME, issuer="kesbang-registry",
                      audience="kesbang", ormas_id="ormas-lain")
    h = {"Authorization": f"Bearer {token}"}
    secrets = [records["ormas_id"], records["kegiatan_id"], records["name"], records["title"], NIK, *PHONE_DIGITS,
               records["warning_title"], "Pelapor Rahasia"]
    failures = []
    async with httpx.AsyncClient(timeout=60) as http:
        for service, method, path in await _operations(platform):
            if (service, method, path) == ("earlywarning", "post", "/reports"):
                continue  # an ormas reports potential conflict through its portal (test_portal.py)
            body = _aimed_at_home(service, method, path) if method in WRITES else {}
            r = await http.request(method.upper(), platform.urls[service] + _fill(path, records, service), headers=h,
                                   **body)
            where = f"ormas@{HOME} {method.upper()} {path} → {r.status_code}"
            if r.status_code >= 500:
                failures.append(f"{where}: server error")
            elif method in WRITES and r.is_success:
                failures.append(f"{where}: a write went through")
            elif r.is_success and (not path.startswith("/portal/") or any(x in r.text for x in secrets)):
                failures.append(f"{where}: answered {r.text[:120]}")
    assert not failures, "\n".join(failures)


async def test_a_departments_account_reads_the_book_and_writes_nothing_but_its_requests(platform, infra, records):
    """``opd``: every operation of the five services with another department's token of the same
    region — it reads the book's search and an ormas's public record, and writes nothing but its
    own recommendation requests."""
    token = auth.mint(infra.private_key, subject="dinas.pemuda", role="opd", region=HOME, issuer="kesbang-registry",
                      audience="kesbang")
    h = {"Authorization": f"Bearer {token}"}
    readable = {("registry", "/ormas"), ("registry", "/ormas/{ormas_id}"), ("registry", "/recommendation-requests")}
    failures = []
    async with httpx.AsyncClient(timeout=60) as http:
        for service, method, path in await _operations(platform):
            body = _aimed_at_home(service, method, path) if method in WRITES else {}
            r = await http.request(method.upper(), platform.urls[service] + _fill(path, records, service), headers=h,
                                   **body)
            where = f"opd@{HOME} {method.upper()} {path} → {r.status_code}"
            if r.status_code >= 500:
                failures.append(f"{where}: server error")
            elif method in WRITES and r.is_success and (service, path) != ("registry", "/recommendation-requests"):
                failures.append(f"{where}: a write went through")
            elif method == "get" and r.is_success and (service, path) not in readable:
                failures.append(f"{where}: answered {r.text[:120]}")
            elif method == "get" and (service, path) in readable and r.status_code != 200:
                failures.append(f"{where}: the book is the department's to read")
        board = await http.get(f"{platform.urls['registry']}/ormas/{records['ormas_id']}/officers", headers=h)
        assert board.status_code == 403 and NIK not in board.text  # the board and its NIK are not public contacts
    assert not failures, "\n".join(failures)


def _forge(claims: dict, *, header: dict | None = None, key=None, alg: str = "RS256") -> str:
    if alg == "none":
        def b64(d):
            return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
        return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    return jwt.encode(claims, key, algorithm=alg, headers=header)


async def test_bad_tokens_are_refused_by_every_service(platform, mint, records):
    good = mint("admin", HOME)
    claims = jwt.decode(good, options={"verify_signature": False})
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    head, payload, sig = good.split(".")
    elevated = base64.urlsafe_b64encode(json.dumps({**claims, "region": ""}).encode()).rstrip(b"=").decode()
    bad = {
        "tampered": f"{head}.{elevated}.{sig}",
        "expired": mint("admin", HOME, ttl=dt.timedelta(seconds=-60)),
        "alg=none": _forge({**claims, "region": ""}, alg="none"),
        "another key": _forge({**claims, "region": ""}, key=other_key),
        "garbage": "not-a-token",
    }
    reads = {"registry": f"/ormas/{records['ormas_id']}", "events": f"/kegiatan/{records['kegiatan_id']}",
             "notifications": f"/messages/{records['message_id']}", "reporting": "/stats/ormas",
             "earlywarning": f"/reports/{records['earlywarning.report_id']}"}
    async with httpx.AsyncClient(timeout=30) as http:
        for service, path in reads.items():
            assert (await http.get(platform.urls[service] + path, headers={"Authorization": f"Bearer {good}"})).status_code == 200
            assert (await http.get(platform.urls[service] + path)).status_code == 401
            for what, token in bad.items():
                r = await http.get(platform.urls[service] + path, headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 401, f"{service} accepted a {what} token: {r.status_code}"
                assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("service", SERVICES)
def test_schemathesis_finds_no_server_error(platform, mint, records, service, tmp_path):
    """Schemathesis generates requests from the service's OpenAPI — with an admin's token and the
    office's real records as path parameters, so they reach past the 404s — and none gets a 5xx."""
    _schemathesis(platform, records, service, tmp_path, mint("admin", HOME), [], 50)


@pytest.mark.parametrize("service", ("registry", "events", "notifications", "reporting"))
def test_schemathesis_finds_no_server_error_in_the_portal(platform, infra, records, service, tmp_path):
    """The portal's operations, which answer an ormas account only, fuzzed with the token of the
    office's ormas itself."""
    token = auth.mint(infra.private_key, subject="ormas.rahasia", role="ormas", region=HOME, issuer="kesbang-registry",
                      audience="kesbang", ormas_id=records["ormas_id"])
    _schemathesis(platform, records, service, tmp_path, token, ["--include-path-regex", "^/portal/"], 10)


def _schemathesis(platform, records, service, tmp_path, token: str, only: list[str], at_least: int) -> None:
    config = tmp_path / "schemathesis.toml"
    params = "\n".join(f'{k} = "{v}"' for k, v in _of(service, records).items()
                       if k not in ("name", "title", "warning_title") and "." not in k)
    config.write_text(f'headers = {{ Authorization = "Bearer {token}" }}\n'
                      f"request-timeout = 30.0\n[parameters]\n{params}\n")
    st = Path(sys.executable).with_name("st")
    run = subprocess.run([str(st), "--no-color", "--config-file", str(config), "run",
                          platform.urls[service] + "/openapi.json", "--url", platform.urls[service], *only,
                          "--checks", "not_a_server_error", "--phases", "examples,coverage,fuzzing",
                          "--max-examples", os.environ.get("KESBANG_SCHEMATHESIS_EXAMPLES", "12"), "--seed", "20261123"],
                         capture_output=True, text=True, timeout=900, cwd=tmp_path)
    summary = run.stdout[-3000:]
    print(summary)
    assert run.returncode == 0, summary
    tested = re.search(r"(\d+) generated", run.stdout)
    assert tested and int(tested.group(1)) > at_least, summary  # it did send requests


async def test_the_logs_of_the_run_hold_no_nik_and_no_phone_number(platform, records):
    """Every process's log of this run so far (the seeded officer was saved, read, invited and sent
    a WhatsApp message): the NIK and the phone number appear nowhere."""
    logs = sorted(platform.group.log_dir.glob("*.log"))
    assert len(logs) >= 12, logs  # four APIs, consumers, workers, beats
    text = {p.name: p.read_text(errors="replace") for p in logs}
    assert sum(len(t) for t in text.values()) > 10_000  # the logs did record the run
    found = [(name, needle) for name, t in text.items() for needle in (NIK, *PHONE_DIGITS) if needle in t]
    assert not found, found
    for name in ("notifications-worker", "notifications-beat"):  # Celery logs JSON through the masking formatter
        records = [json.loads(line) for line in text[f"{name}.log"].splitlines() if line.startswith("{")]
        assert records and all(r["service"] == name and r["level"] for r in records), name
