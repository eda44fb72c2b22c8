"""Permendagri 57/2017 through the API: an office whose ormas without legal entity get their SKT
from the Minister verifies an application, may not register it itself, forwards it with its
recommendation, exports the forwarded applications for Kemendagri's system, and records the SKT
Kemendagri issued — which registers the ormas under that number and gives the office's own letter
(surat keterangan keberadaan) its number; the same path through the web application's pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid

import httpx
import pytest
from playwright.async_api import expect
from pypdf import PdfReader

from tests.e2e.web_support import look, make_account, signed_in
from tests.helpers import eventually, qr_codes

pytestmark = pytest.mark.e2e
REGION = "32.77"  # Kota Cimahi: no other test records there
OFFICE = {"name": "Badan Kesatuan Bangsa dan Politik Kota Cimahi", "skt_issuer": "kemendagri",
          "presence_number_format": "220/{seq:04d}/SKK/{office}/{year}", "head_name": "Drs. Asep Saepulloh",
          "head_title": "Kepala Badan Kesatuan Bangsa dan Politik"}


async def test_an_office_forwards_to_kemendagri_and_records_the_skt_it_issued(platform, headers):
    op, verifier, admin = headers("operator", REGION), headers("verifier", REGION), headers("admin", REGION)
    tag = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        bad = await reg.put(f"/offices/{REGION}", json={**OFFICE, "presence_number_format": "{seq.__class__}"},
                            headers=admin)
        assert bad.status_code == 422 and "presence_number_format" in bad.text
        r = await reg.put(f"/offices/{REGION}", json=OFFICE, headers=admin)
        assert r.status_code == 200 and r.json()["skt_issuer"] == "kemendagri", r.text
        r = await reg.post("/ormas", json={"name": f"Paguyuban Warga Cimahi {tag}", "kind": "ormas", "region": REGION},
                           headers=op)
        oid = r.json()["id"]

        async def step(who, action, expect=200, **kw):
            r = await reg.post(f"/ormas/{oid}/transitions", json={"action": action, **kw}, headers=who)
            assert r.status_code == expect, r.text
            return r.json()

        for who, action, kw in ((op, "start_application", {}), (op, "submit", {}), (verifier, "start_verification", {}),
                                (verifier, "check_documents", {"documents_complete": True}),
                                (verifier, "record_field_visit", {"field_visit_outcome": "sesuai", "visited_on": "2026-11-25"})):
            await step(who, action, **kw)
        refused = await step(verifier, "register", expect=409)
        assert "Kemendagri" in refused["detail"] and "forward" in refused["allowed_actions"]
        offered = (await reg.get(f"/ormas/{oid}", headers=verifier)).json()["your_actions"]
        assert "forward" in offered and "register" not in offered
        await step(verifier, "forward", expect=422)  # its recommendation is required
        forwarded = await step(verifier, "forward", reason="Direkomendasikan: dokumen lengkap, sekretariat sesuai")
        assert forwarded["status"] == "in_verification" and "record_kemendagri_skt" in forwarded["allowed_actions"]

        listed = (await reg.get("/applications/forwarded", headers=op)).json()
        mine = [i for i in listed["items"] if i["ormas_id"] == oid]
        assert mine and mine[0]["recommendation"].startswith("Direkomendasikan") and "nik" not in str(mine).lower()
        table = list(csv.reader(io.StringIO((await reg.get("/applications/forwarded", params={"format": "csv"},
                                                           headers=op)).content.decode("utf-8-sig"))))
        assert table[0][:2] == ["ormas_id", "name"] and any(row[0] == oid for row in table[1:])
        assert (await reg.get("/applications/forwarded", params={"region": "35.75"}, headers=op)).status_code == 404

        number = f"01-00-00/{tag}/D.III.1/XII/2026"
        today = dt.date.today()
        await step(verifier, "record_kemendagri_skt", expect=422, skt_number=number, skt_issued_on=today.isoformat(),
                   skt_valid_until=today.isoformat())
        await step(op, "record_kemendagri_skt", expect=403, skt_number=number, skt_issued_on=today.isoformat(),
                   skt_valid_until=(today + dt.timedelta(days=1826)).isoformat())
        done = await step(verifier, "record_kemendagri_skt", skt_number=number, skt_issued_on=today.isoformat(),
                          skt_valid_until=(today + dt.timedelta(days=1826)).isoformat())
        assert done["status"] == "registered" and done["skt"]["number"] == number and done["skt"]["issuer"] == "kemendagri"
        assert re.fullmatch(rf"220/\d{{4}}/SKK/{REGION}/{today.year}", done["skt"]["presence_number"])
        listed = (await reg.get("/applications/forwarded", headers=op)).json()
        assert oid not in [i["ormas_id"] for i in listed["items"]]

    # the office's own letter, through notifications (which writes and signs it), read back
    body = {"id": oid, "name": done["name"], "kind": "ormas", "region": REGION, "skt": done["skt"]}
    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=30) as notif:
        async def written():  # once notifications' copy of the office names its head
            r = await notif.post("/registry-letters", json=body, headers=op)
            return r.content if r.status_code == 200 else None

        pdf = await eventually(written, timeout=30, interval=0.5, what="the surat keterangan keberadaan")
        (verify,) = qr_codes(pdf)
        record = (await notif.get(f"/documents/{verify.rsplit('/', 1)[1]}")).json()
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    for part in ("SURAT KETERANGAN KEBERADAAN", f"Nomor: {done['skt']['presence_number']}", number,
                 "Menteri Dalam Negeri", "Drs. Asep Saepulloh"):
        assert part in text, part
    assert record["kind"] == "surat_keterangan_keberadaan" and record["number"] == done["skt"]["presence_number"]


async def test_the_kemendagri_path_through_the_offices_pages(browser, platform, headers):
    """Kota Tasikmalaya's admin chooses Kemendagri as the SKT issuer on the settings page; a
    verifier forwards an application with the office's recommendation, the operator downloads the
    file for Kemendagri's system, the verifier records the SKT it issued, and the office's own
    letter is written with the office's number."""
    region = "32.78"  # Kota Tasikmalaya: no other test records there
    admin, op_name, ver_name = [await make_account(platform, headers, role, region)
                                for role in ("admin", "operator", "verifier")]
    page = await signed_in(browser, platform, admin)
    await page.goto("/kantor")
    await page.get_by_label("Nama kantor").fill("Badan Kesatuan Bangsa dan Politik Kota Tasikmalaya")
    await page.get_by_label("Nama kepala").fill("H. Dede Sudrajat, S.Sos.")
    await page.get_by_label("Jabatan kepala").fill("Kepala Badan Kesatuan Bangsa dan Politik")
    await page.get_by_label("Penerbit SKT ormas tidak berbadan hukum").select_option("kemendagri")
    await page.get_by_label("Format nomor surat keterangan keberadaan").fill("220/{seq:04d}/SKK/{office}/{year}")
    await page.get_by_role("button", name="Simpan pengaturan").click()
    await expect(page.get_by_role("status")).to_be_visible()
    await expect(page.get_by_label("Penerbit SKT ormas tidak berbadan hukum")).to_have_value("kemendagri")

    tag = uuid.uuid4().hex[:4]
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        op, verifier = headers("operator", region), headers("verifier", region)
        oid = (await reg.post("/ormas", json={"name": f"Paguyuban Pedagang Cihideung {tag}", "kind": "ormas",
                                              "region": region}, headers=op)).json()["id"]
        for who, body in ((op, {"action": "start_application"}), (op, {"action": "submit"}),
                          (verifier, {"action": "start_verification"}),
                          (verifier, {"action": "check_documents", "documents_complete": True}),
                          (verifier, {"action": "record_field_visit", "field_visit_outcome": "sesuai",
                                      "visited_on": dt.date.today().isoformat()})):
            assert (await reg.post(f"/ormas/{oid}/transitions", json=body, headers=who)).status_code == 200

    ver = await signed_in(browser, platform, ver_name)
    await ver.goto(f"/ormas/{oid}")
    await expect(ver.get_by_role("link", name="Terbitkan SKT")).to_have_count(0)  # Kemendagri issues it
    await ver.get_by_role("link", name="Teruskan ke Kemendagri").click()
    await ver.get_by_label("Alasan").fill("Direkomendasikan: dokumen lengkap, sekretariat sesuai hasil kunjungan.")
    await look(ver, "kemendagri-teruskan")
    await ver.get_by_role("button", name="Teruskan ke Kemendagri").click()
    await expect(ver.get_by_role("status")).to_contain_text("Teruskan ke Kemendagri")

    opp = await signed_in(browser, platform, op_name)
    await opp.goto("/ormas")
    async with opp.expect_download() as got:
        await opp.get_by_role("link", name="Ekspor permohonan untuk Kemendagri").click()
    rows = list(csv.reader(io.StringIO(open(await (await got.value).path(), encoding="utf-8-sig").read())))
    assert rows[0][:2] == ["ormas_id", "name"] and [r[1] for r in rows[1:] if r[0] == oid] == [
        f"Paguyuban Pedagang Cihideung {tag}"]

    number = f"01-00-00/{tag}/D.III.1/XII/2026"
    today = dt.date.today()
    await ver.get_by_role("link", name="Catat SKT dari Kemendagri").click()
    await ver.get_by_label("Nomor SKT dari Kemendagri").fill(number)
    await ver.get_by_label("Tanggal terbit").fill(today.isoformat())
    await ver.get_by_label("Berlaku sampai").fill((today + dt.timedelta(days=1826)).isoformat())
    await look(ver, "kemendagri-catat-skt")
    await ver.get_by_role("button", name="Catat SKT dari Kemendagri").click()
    await expect(ver.locator(".badge.big")).to_have_text("Terdaftar (SKT berlaku)")
    await expect(ver.locator(".facts").filter(has_text="Penerbit")).to_contain_text("Menteri Dalam Negeri")
    await look(ver, "kemendagri-terdaftar")

    await opp.goto(f"/ormas/{oid}")
    link = opp.get_by_role("link", name="Surat keterangan keberadaan (PDF)")
    href = await link.get_attribute("href")

    async def written():
        r = await opp.request.get(href)
        return await r.body() if r.status == 200 else None

    pdf = await eventually(written, timeout=30, interval=0.5, what="the office's letter")
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "SURAT KETERANGAN KEBERADAAN" in text and number in text
    assert re.search(rf"Nomor: 220/\d{{4}}/SKK/{region}/{today.year}", text), text[:400]
