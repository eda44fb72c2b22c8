"""Early warning's pages through the real stack in Chromium: anyone reports at /lapor without an
account (places chosen province → kabupaten/kota → kecamatan → kelurahan, a photo attached), a bot
filling the hidden field sends nothing, and one address is limited; an office's head keeps its team,
an operator records a report, a verifier verifies it from the board, and it is handled and closed.
Each page passes axe-core and is photographed at 390 and 1366 px."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.async_api import expect

from tests.e2e.earlywarning_support import PNG
from tests.e2e.web_support import look, make_account, signed_in

pytestmark = pytest.mark.e2e
REGION = "63.72"  # Kota Banjarbaru: no other test reports there


async def _place(page, province: str, city: str, district: str, village: str) -> None:
    await page.get_by_label("Provinsi", exact=True).select_option(label=province)
    await expect(page.locator("#kabupaten option", has_text=city)).to_have_count(1)
    await page.get_by_label(re.compile(r"^Kabupaten/kota")).select_option(label=city)
    await expect(page.locator("#kecamatan option", has_text=district)).to_have_count(1)
    await page.get_by_label("Kecamatan", exact=True).select_option(label=district)
    await expect(page.locator("#desa option", has_text=village)).to_have_count(1)
    await page.get_by_label("Desa/kelurahan", exact=True).select_option(label=village)


async def test_anyone_reports_at_lapor_without_an_account(browser, platform, headers, tmp_path):
    tag = uuid.uuid4().hex[:6]
    context = await browser.new_context(base_url=platform.urls["web"], viewport={"width": 390, "height": 900})
    page = await context.new_page()
    await page.goto("/")
    await page.get_by_role("link", name="Lapor potensi konflik").click()
    await expect(page.get_by_role("heading", name="Lapor potensi konflik sosial")).to_be_visible()
    await look(page, "lapor")
    await _place(page, "Kalimantan Selatan", "Kota Banjarbaru", "Landasan Ulin", "Guntung Payung")
    await page.get_by_label("Judul singkat").fill(f"Warga dua RT saling ancam soal lahan {tag}")
    await page.get_by_label("Kronologi").fill("Sejak pagi warga dua RT berkumpul dan saling ancam soal batas lahan.")
    await page.get_by_label("Kategori").select_option(label="Sengketa lahan/sumber daya alam")
    await page.get_by_label("Ada ancaman atau pengerahan massa").check()
    await page.get_by_label("Perkiraan jumlah orang yang terlibat").fill("30")
    photo = tmp_path / "foto.png"
    photo.write_bytes(PNG)
    await page.get_by_label(re.compile("^Foto")).set_input_files(str(photo))
    await page.get_by_role("button", name="Kirim laporan").click()
    await expect(page.get_by_role("heading", name="Terima kasih, laporan Anda sudah diterima")).to_be_visible()
    number = (await page.locator(".badge.big").inner_text()).strip()
    await look(page, "lapor-diterima")

    async with httpx.AsyncClient(base_url=platform.urls["earlywarning"], timeout=30) as ew:
        seen = (await ew.get(f"/reports/{number}", headers=headers("head", REGION))).json()
        assert seen["location"]["code"] == "63.72.02.1004" and seen["category"] == "sengketa_lahan"
        assert seen["severity"] == "sedang" and seen["source_kind"] == "publik" and seen["reporter"]["anonymous"]
        assert len(seen["photos"]) == 1

        # a bot fills the hidden field: it is thanked and nothing is sent
        async with httpx.AsyncClient(base_url=platform.urls["web"], timeout=30) as web:
            form = {"kabupaten": REGION, "title": f"Bot {tag}", "chronology": "Isi otomatis oleh program.",
                    "category": "lainnya", "violence": "tidak_ada", "situs": "http://spam.example"}
            r = await web.post("/lapor", data=form, headers={"X-Forwarded-For": "192.0.2.10"})
            assert r.status_code == 200 and "Terima kasih" in r.text and "Nomor laporan" not in r.text
            listed = (await ew.get("/reports", params={"limit": 200}, headers=headers("head", REGION))).json()["items"]
            assert not [i for i in listed if i["title"] == f"Bot {tag}"]
            # a person's bad input is said on the form, in Indonesian
            r = await web.post("/lapor", data={**form, "situs": "", "title": "", "kabupaten": ""},
                               headers={"X-Forwarded-For": "192.0.2.11"})
            assert r.status_code == 422 and "Pilih kabupaten/kota tempat kejadian" in r.text
            # one address sends at most five reports in ten minutes
            codes = [(await web.post("/lapor", data={**form, "situs": "", "title": f"Warga {tag} {i}"},
                                     headers={"X-Forwarded-For": "192.0.2.12"})).status_code for i in range(6)]
            assert codes == [200] * 5 + [429]


async def test_an_office_keeps_its_team_and_handles_a_report_from_the_board(browser, platform, headers):
    tag = uuid.uuid4().hex[:6]
    head = await signed_in(browser, platform, await make_account(platform, headers, "head", REGION))
    await head.get_by_role("link", name="Peringatan Dini").click()
    await head.get_by_role("link", name="Tim terpadu").click()
    await head.get_by_label(re.compile(r"^Nama( \*)?$")).fill(f"Kasat Intelkam Polres Banjarbaru {tag}")
    await head.get_by_label("Jabatan").fill("Kasat Intelkam")
    await head.get_by_label("Nomor WhatsApp").fill("081234560099")
    await head.get_by_role("button", name="Tambah anggota").click()
    await expect(head.get_by_text("Anggota tim ditambahkan.")).to_be_visible()
    await expect(head.get_by_role("cell", name=f"Kasat Intelkam Polres Banjarbaru {tag}", exact=True)).to_be_visible()
    await look(head, "peringatan-dini-tim")

    operator = await signed_in(browser, platform, await make_account(platform, headers, "operator", REGION))
    await operator.goto("/peringatan-dini/baru")
    await _place(operator, "Kalimantan Selatan", "Kota Banjarbaru", "Landasan Ulin", "Guntung Manggis")
    await operator.get_by_label("Judul singkat").fill(f"Bentrok pendukung calon {tag}")
    await operator.get_by_label("Kronologi").fill("Dua kelompok pendukung calon bentrok di depan posko, tidak ada korban.")
    await operator.get_by_label("Kategori").select_option(label="Politik/pemilu")
    await operator.get_by_label("Terjadi bentrokan fisik").check()
    await look(operator, "peringatan-dini-baru")
    await operator.get_by_role("button", name="Simpan laporan").click()
    await expect(operator.get_by_text("Tersimpan: laporan dicatat.")).to_be_visible()
    await expect(operator.get_by_text("Tim provinsi sudah diberi tahu.")).to_be_visible()  # tinggi: escalated
    report_url = operator.url.split("?")[0]

    verifier = await signed_in(browser, platform, await make_account(platform, headers, "verifier", REGION))
    await verifier.goto("/peringatan-dini")
    tinggi = verifier.locator("section.sev-tinggi")
    await expect(tinggi.get_by_role("link", name=f"Bentrok pendukung calon {tag}")).to_be_visible()
    await look(verifier, "peringatan-dini")
    await tinggi.get_by_role("link", name=f"Bentrok pendukung calon {tag}").click()
    await look(verifier, "peringatan-dini-laporan")
    await verifier.get_by_label("Catatan verifikasi").fill("Dicek bersama Bhabinkamtibmas")
    await verifier.get_by_role("button", name="Terverifikasi").click()
    await expect(verifier.get_by_text("Tersimpan: laporan terverifikasi.")).to_be_visible()
    await verifier.get_by_label("Tugaskan kepada").select_option(label=f"Kasat Intelkam Polres Banjarbaru {tag} · Kasat Intelkam")
    await verifier.get_by_role("button", name="Tugaskan").click()
    await expect(verifier.get_by_text("Tersimpan: petugas ditetapkan.")).to_be_visible()

    await operator.goto(report_url)
    await operator.get_by_label("Rencana penanganan").fill("Mediasi kedua tim pemenangan")
    await operator.get_by_role("button", name="Mulai ditangani").click()
    await operator.get_by_label("Tindak lanjut").fill("Mediasi di kantor kelurahan")
    await operator.get_by_role("button", name="Catat tindak lanjut").click()
    await expect(operator.get_by_text("Tersimpan: tindak lanjut dicatat.")).to_be_visible()
    await operator.get_by_label("Hasil penanganan").fill("Kedua kelompok sepakat damai")
    await operator.get_by_role("button", name="Selesai").click()
    await expect(operator.get_by_text("Tersimpan: laporan selesai.")).to_be_visible()
    timeline = operator.locator(".timeline")
    for step in ("Diterima", "Diteruskan ke tim provinsi", "Terverifikasi", "Ditugaskan", "Mulai ditangani",
                 "Tindak lanjut", "Selesai"):
        await expect(timeline.get_by_text(step, exact=True)).to_be_visible()
    await look(operator, "peringatan-dini-selesai")
    # an operator never sees who reported; the verifier does
    await expect(operator.get_by_text("Pelapor", exact=True)).to_have_count(0)
    await verifier.goto(report_url)
    await expect(verifier.get_by_text("Pelapor", exact=True)).to_be_visible()
