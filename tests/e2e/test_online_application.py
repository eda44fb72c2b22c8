"""A new organisation applies online (issue 19's first journey): it signs up at /daftar, verifies its
e-mail from the link notifications sends, fills in its application, uploads its documents against
the checklist, submits, receives the office's revision note, fixes it, submits again, is registered,
and downloads its Surat Keterangan Terdaftar signed by the office — in the browser, through the real
stack. Its account reaches its own application only."""

from __future__ import annotations

import email
import email.policy
import io
import re
import uuid

import httpx
import pytest
from playwright.async_api import expect
from pypdf import PdfReader

from tests.e2e.web_support import look
from tests.helpers import eventually

pytestmark = pytest.mark.e2e
REGION = "36.73"  # Kota Serang: no other test records there
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "sandi-pemohon-ormas-2026"


def _link(mailbox, address: str) -> str | None:
    for raw in mailbox.raw_messages():
        if address.encode() in raw:
            body = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",)).get_content()
            found = re.search(r"https?://\S+/portal/aktivasi/[A-Za-z0-9_-]+", body)
            if found:
                return found.group(0)
    return None


async def _step(reg, headers, oid, action, **kw):
    r = await reg.post(f"/ormas/{oid}/transitions", json={"action": action, **kw}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_an_applicant_signs_up_applies_is_asked_to_revise_and_is_registered(browser, platform, headers, tmp_path):
    tag = uuid.uuid4().hex[:6]
    address = f"pemohon.{tag}@komunitas.example.org"
    page = await (await browser.new_context(base_url=platform.urls["web"], viewport={"width": 390, "height": 900})).new_page()
    await page.goto("/masuk")
    await page.get_by_role("link", name="mendaftar secara daring").click()
    await page.get_by_label("Nama organisasi").fill(f"Komunitas Peduli Serang {tag}")
    await page.get_by_label("Jenis").select_option(label="Ormas")
    await page.get_by_label("Provinsi").select_option(label="Banten")
    await expect(page.locator("#kabupaten option", has_text="Kota Serang")).to_have_count(1)
    await page.get_by_label(re.compile("^Kabupaten/kota")).select_option(label="Kota Serang")
    await page.get_by_label("Nama Anda").fill("Rina Wulandari")
    await page.get_by_label("Surel").fill(address)
    await look(page, "daftar")
    await page.get_by_role("button", name="Daftar").click()
    await expect(page.get_by_role("heading", name="Periksa surel Anda")).to_be_visible()

    link = await eventually(lambda: _async(_link(platform.infra.mailbox, address)), timeout=60,
                            what="the verification e-mail")
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        none_yet = (await reg.get("/ormas", params={"q": tag, "region": REGION}, headers=headers("operator", REGION))).json()
        assert none_yet["items"] == []  # nothing enters the book before the e-mail is verified
    await page.goto(link)
    await page.get_by_label("Kata sandi baru").fill(PASSWORD)
    await page.get_by_label("Ulangi kata sandi").fill(PASSWORD)
    await page.get_by_role("button", name="Aktifkan akun").click()
    await expect(page.get_by_text("Akun portal Anda sudah aktif.")).to_be_visible()
    await page.get_by_label("Kata sandi").fill(PASSWORD)  # the username is filled in
    await page.get_by_role("button", name="Masuk").click()
    await expect(page).to_have_url(re.compile(r"/portal$"))
    await page.get_by_role("link", name="Permohonan pendaftaran").click()
    await expect(page.locator(".badge.big")).to_have_text("Draf permohonan")
    await page.get_by_label("Tanggal berdiri").fill("2019-05-20")
    await page.get_by_label("Bidang (pisahkan dengan koma)").fill("sosial, lingkungan")
    await page.get_by_label("Alamat sekretariat").fill("Jl. Ki Mas Jong No. 5, Serang")
    await page.get_by_role("button", name="Simpan data").click()
    await expect(page.get_by_text("Data organisasi tersimpan.")).to_be_visible()
    doc = tmp_path / "dokumen.pdf"
    doc.write_bytes(PDF)
    for i in range(await page.locator("#doc-type option").count()):
        await page.get_by_label("Jenis dokumen").select_option(index=i)
        await page.get_by_label(re.compile("^Berkas")).set_input_files(str(doc))
        await page.get_by_role("button", name="Unggah dokumen").click()
        await expect(page.get_by_text("Dokumen terunggah.")).to_be_visible()
    await expect(page.get_by_text("Dokumen wajib sudah lengkap.")).to_be_visible()
    await look(page, "permohonan")
    await page.get_by_role("button", name="Ajukan permohonan").click()
    await expect(page.get_by_text("Permohonan sudah diajukan ke kantor Kesbangpol.")).to_be_visible()
    await expect(page.locator(".badge.big")).to_have_text("Permohonan masuk")

    verifier = headers("verifier", REGION)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        found = (await reg.get("/ormas", params={"q": tag, "region": REGION}, headers=verifier)).json()["items"]
        oid = found[0]["id"]
        await _step(reg, verifier, oid, "start_verification")
        await _step(reg, verifier, oid, "request_revision", reason="Surat keterangan domisili belum ditandatangani lurah")
    await page.goto("/portal/permohonan")
    await expect(page.get_by_role("note")).to_contain_text("Surat keterangan domisili belum ditandatangani lurah")
    await look(page, "permohonan-perbaikan")
    await page.get_by_label("Jenis dokumen").select_option(index=0)
    await page.get_by_label(re.compile("^Berkas")).set_input_files(str(doc))
    await page.get_by_role("button", name="Unggah dokumen").click()
    await page.get_by_role("button", name="Ajukan permohonan yang sudah diperbaiki").click()
    await expect(page.locator(".badge.big")).to_have_text("Permohonan masuk")

    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        await _step(reg, verifier, oid, "start_verification")
        await _step(reg, verifier, oid, "check_documents", documents_complete=True)
        await _step(reg, verifier, oid, "record_field_visit", field_visit_outcome="sesuai", visited_on="2026-11-28")
        registered = await _step(reg, verifier, oid, "register")
        office = {"name": "Badan Kesatuan Bangsa dan Politik Kota Serang", "head_name": "Drs. Hendra Gunawan",
                  "head_title": "Kepala Badan Kesatuan Bangsa dan Politik"}
        assert (await reg.put(f"/offices/{REGION}", json=office, headers=headers("admin", REGION))).status_code == 200
        history = (await reg.get(f"/ormas/{oid}/history", headers=verifier)).json()["entries"]
        assert [h["action"] for h in history if h["action"] in ("submit", "request_revision")] == \
            ["submit", "request_revision", "submit"]

    async def letter():
        r = await page.request.get("/portal/surat-keterangan.pdf")
        return await r.body() if r.status == 200 else None

    pdf = await eventually(letter, timeout=60, interval=0.5, what="the applicant's signed registration letter")
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "SURAT KETERANGAN TERDAFTAR" in text and registered["skt"]["number"] in text and tag in text
    await page.goto("/portal/permohonan")
    await expect(page.get_by_role("link", name="Unduh Surat Keterangan Terdaftar (PDF)")).to_be_visible()
    await look(page, "permohonan-terdaftar")
    # and its account reaches nothing but its own application
    other = await page.request.get("/ormas")
    assert other.status == 403


async def _async(value):
    return value
