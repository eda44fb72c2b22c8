"""Import and export through the registry's API: the Kota Pasuruan book of April 2018 ("329 ormas
hold an SKT", article 000) imported from the office's spreadsheet and counted back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import uuid

import httpx
import pytest
from openpyxl import Workbook, load_workbook

from tests.helpers import eventually

pytestmark = pytest.mark.e2e
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["No", "Nama Ormas", "Singkatan", "Jenis", "Bentuk Hukum", "Kab/Kota", "Alamat", "No. HP", "Bidang",
          "Nomor SKT", "Tanggal SKT"]


def pasuruan_book(tag: str) -> tuple[bytes, int]:
    """329 ormas whose SKT was valid in April 2018, and the others an office's list also holds."""
    rnd = random.Random(329)
    rows, n = [], 0

    def add(kind, skt_date=None, **over):
        nonlocal n
        n += 1
        row = [n, f"{kind} {tag} {n:03d}", "", kind, "Tidak Berbadan Hukum", "Kota Pasuruan", f"Jl. Veteran {n}",
               f"0812{rnd.randrange(10**7, 10**8)}", "sosial; kemasyarakatan",
               f"220/{n}/423.202/{skt_date.year}" if skt_date else "", skt_date]
        for k, v in over.items():
            row[HEADER.index(k)] = v
        rows.append(row)

    for _ in range(329):  # issued between May 2013 and March 2018: valid on 30 April 2018
        add(rnd.choice(["Ormas", "LSM", "OKP"]), dt.datetime(2013, 5, 1) + dt.timedelta(days=rnd.randrange(1790)))
    for _ in range(20):  # ran out before April 2018
        add("LSM", dt.datetime(2012, rnd.randrange(1, 12), 15))
    for _ in range(15):  # registered later
        add("Ormas", dt.datetime(2018, 6, rnd.randrange(1, 28)))
    for _ in range(30):  # known, never registered (MK 82/PUU-XI/2013)
        add("Ormas")
    add("Ormas", None, **{"Kab/Kota": "Kota Malang"})  # another office's city
    add("Ormas", None, **{"No. HP": "12"})
    add("Partai", None)
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), len(rows)


async def test_the_pasuruan_book_imports_once_and_counts_329_skt_holders_in_april_2018(platform, headers):
    op = headers("operator", "35.75")
    admin = headers("admin", "35.75")  # the book carries SKTs: recording them registers, an admin's step
    tag = uuid.uuid4().hex[:8]
    data, total = pasuruan_book(tag)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=120) as http:
        files = {"file": ("ormas-kota-pasuruan-2018.xlsx", data, XLSX)}
        dry = await http.post("/ormas/imports", files=files, params={"dry_run": "true"}, headers=admin)
        assert dry.status_code == 200, dry.text
        assert dry.json()["created"] == 0 and dry.json()["invalid"] == 3
        r = await http.post("/ormas/imports", files=files, headers=admin)
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["rows"] == total and report["created"] == total - 3 and report["invalid"] == 3
        assert sorted((e["row"], e["field"]) for e in report["errors"]) == \
            [(total - 1, "region"), (total, "phone"), (total + 1, "kind")]
        assert report["ignored_columns"] == ["No"]
        again = (await http.post("/ormas/imports", files=files, headers=admin)).json()
        assert again["created"] == 0 and again["already_recorded"] == total - 3  # idempotent re-import

        export = await http.get("/ormas/export", params={"format": "csv", "region": "35.75",
                                                         "skt_valid_on": "2018-04-30"}, headers=op)
        assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
        assert sum(tag in r["Nama Ormas"] for r in rows) == 329

        # every imported SKT holder of 2018 has long expired by now (2026); the 15 later ones too
        page = await http.get("/ormas", params={"q": tag, "status": "expired", "limit": 200}, headers=op)
        assert len(page.json()["items"]) == 200 and page.json()["next_cursor"]

        xlsx = await http.get("/ormas/export", params={"format": "xlsx", "region": "35.75"}, headers=op)
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert sum(tag in n for n in names) == total - 3
        # an exported file imports again as "already recorded", nothing doubled
        back = await http.post("/ormas/imports", files={"file": ("export.xlsx", xlsx.content, XLSX)}, headers=admin)
        assert back.json()["created"] == 0 and back.json()["invalid"] == 0


@pytest.mark.parametrize("name,content,ctype", [
    ("ormas.pdf", b"%PDF-1.4 nothing", "application/pdf"),
    ("ormas.xlsx", b"this is not a workbook", XLSX),
    ("ormas.csv", b"Alamat,Email\nx,y\n", "text/csv"),
    ("ormas.csv", b"", "text/csv"),
])
async def test_a_bad_file_gets_422_naming_the_file_and_writes_nothing(platform, headers, name, content, ctype):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as http:
        r = await http.post("/ormas/imports", files={"file": (name, content, ctype)}, headers=headers("operator", "35.75"))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "file"


async def test_an_oversized_upload_is_refused(platform, headers):
    big = b"Nama Ormas\n" + b"x" * (20 * 1024 * 1024 + 10)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as http:
        r = await http.post("/ormas/imports", files={"file": ("big.csv", big, "text/csv")},
                            headers=headers("operator", "35.75"))
    assert r.status_code == 422 and "larger than" in r.json()["detail"]


async def test_an_analyst_cannot_import_and_sees_masked_numbers_in_exports(platform, headers):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as http:
        r = await http.post("/ormas/imports", files={"file": ("x.csv", b"Nama Ormas\nA\n", "text/csv")},
                            headers=headers("analyst", "35.75"))
        assert r.status_code == 403
        op = headers("operator", "35.75")
        name = f"Masked Export {uuid.uuid4().hex[:6]}"
        await http.post("/ormas", json={"name": name, "kind": "ormas", "region": "35.75", "phone": "081234567890"},
                        headers=op)
        export = await http.get("/ormas/export", headers=headers("analyst", "35"))
        row = next(r for r in csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))) if r["Nama Ormas"] == name)
        assert row["Telepon"] != "+6281234567890" and row["Telepon"].endswith("7890")


async def test_the_daily_job_gives_each_expiry_notice_once_and_expires_what_ran_out(platform, headers, mongo, kafka):
    """The registry's Celery task, run as beat would run it: an SKT 30 days from its end gets the
    30-day notice (and the 90-day one is never sent after it); one past its end expires; a second
    run the same day changes nothing."""
    from celery import Celery

    op = headers("operator", "35.75")
    tag = uuid.uuid4().hex[:8]
    today = dt.date.today()
    issued_30 = today.replace(year=today.year - 5) + dt.timedelta(days=30)
    issued_gone = today.replace(year=today.year - 5) - dt.timedelta(days=3)
    lines = ["Nama Ormas,Jenis,Kode Wilayah,Nomor SKT,Tanggal SKT",
             f"Hampir Habis {tag},Ormas,35.75,220/1/{tag},{issued_30.isoformat()}",
             f"Sudah Habis {tag},LSM,35.75,220/2/{tag},{issued_gone.isoformat()}"]
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as http:
        r = await http.post("/ormas/imports", files={"file": ("skt.csv", "\n".join(lines).encode(), "text/csv")},
                            headers=headers("admin", "35.75"))
        assert r.json()["created"] == 2, r.text
        soon, gone = r.json()["created_ids"]
        assert (await http.get(f"/ormas/{gone}", headers=op)).json()["status"] == "expired"  # imported as it is

        celery = Celery(broker=platform.redis_urls["registry"], backend=platform.redis_urls["registry"])
        for _ in range(2):
            result = celery.send_task("registry.skt_expiry_sweep", queue="registry", kwargs={"day": today.isoformat()})

            async def finished(result=result):
                return result.ready()

            await eventually(finished, timeout=60, what="the sweep to finish")
            assert result.successful(), result.result
        assert result.result["notice_30"] == 0  # the second run found nothing new
        doc = (await http.get(f"/ormas/{soon}", headers=op)).json()
        assert doc["status"] == "expiring"
    stored = await mongo[platform.db_name("registry")]["ormas"].find_one({"_id": soon})
    assert stored["expiry_notices"] == [90, 30] and [h["action"] for h in stored["history"]].count("mark_expiring") == 1
    msgs = await kafka.read(platform.topic("registry.ormas"),
                            until=lambda ms: any(m.key == soon.encode() and b"skt_expiring" in m.value for m in ms),
                            timeout=60)
    notices = [json.loads(m.value) for m in msgs if m.key == soon.encode() and b"skt_expiring" in m.value]
    assert [n["data"]["change"]["days_left"] for n in notices] == [30]


async def test_import_knows_what_was_recorded_by_hand_and_refuses_a_taken_acronym(platform, headers):
    op = headers("operator", "35.75")
    tag = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as http:
        by_hand = await http.post("/ormas", json={"name": f"Forum Warga {tag}", "acronym": f"FW{tag}", "kind": "ormas",
                                                  "region": "35.75"}, headers=op)
        assert by_hand.status_code == 201
        csv_text = "\n".join(["Nama Ormas,Singkatan,Kode Wilayah",
                              f"FORUM WARGA {tag},,35.75",  # the same ormas, typed differently
                              f"Forum Pemuda {tag},fw{tag},35.75",  # another ormas with its acronym
                              f"Forum Baru {tag},,35.75"])
        r = await http.post("/ormas/imports", files={"file": ("f.csv", csv_text.encode(), "text/csv")}, headers=op)
    report = r.json()
    assert report["rows"] == 3 and report["created"] == 1 and report["already_recorded"] == 1
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(3, "acronym")]


async def _job_until(http, job_id: str, headers: dict, status: str) -> dict:
    async def reached():
        job = (await http.get(f"/ormas/imports/jobs/{job_id}", headers=headers)).json()
        assert job["status"] != "failed" or status == "failed", job
        return job if job["status"] == status else None

    return await eventually(reached, timeout=120, what=f"the import job {status}")


async def test_the_pasuruan_book_as_a_job_is_planned_then_recorded_once(platform, headers):
    admin = headers("admin", "35.75")
    tag = uuid.uuid4().hex[:8]
    data, total = pasuruan_book(tag)
    files = {"file": ("ormas-kota-pasuruan-2018.xlsx", data, XLSX)}
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=120) as http:
        r = await http.post("/ormas/imports/jobs", files=files, headers=admin)
        assert r.status_code == 202 and r.json()["status"] == "queued", r.text
        job_id = r.json()["id"]
        planned = await _job_until(http, job_id, admin, "planned")
        report = planned["report"]
        assert (report["rows"], report["to_create"], report["refused"]) == (total, total - 3, 3)
        assert [r["row"] for r in report["refused_rows"]] == [total - 1, total, total + 1]
        assert report["refused_rows"][0]["cells"][1].startswith("Ormas") and report["header"][1] == "Nama Ormas"
        assert (await http.get("/ormas", params={"q": tag}, headers=admin)).json()["items"] == []  # nothing yet

        assert (await http.post(f"/ormas/imports/jobs/{job_id}/confirm", headers=admin)).status_code == 202
        done = await _job_until(http, job_id, admin, "done")
        assert done["result"] == {"created": total - 3, "already_recorded": 0, "refused": 3}
        assert (await http.post(f"/ormas/imports/jobs/{job_id}/confirm", headers=admin)).status_code == 409

        async def searchable():  # the job named its writes to the API's relay, and the index reads the topic
            page = (await http.get("/ormas", params={"q": tag, "limit": 200}, headers=admin)).json()
            return page if len(page["items"]) == 200 else None

        await eventually(searchable, timeout=60, what="the recorded rows in the search")

        again = (await http.post("/ormas/imports/jobs", files=files, headers=admin)).json()
        report = (await _job_until(http, again["id"], admin, "planned"))["report"]
        assert report["to_create"] == 0 and report["already_recorded"] == total - 3  # nothing twice

        bad = (await http.post("/ormas/imports/jobs", files={"file": ("ormas.csv", b"Alamat,Email\nx,y\n", "text/csv")},
                               headers=admin)).json()
        assert (await _job_until(http, bad["id"], admin, "failed"))["error"]
