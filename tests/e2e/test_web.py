"""The web application through the real stack, in Debian's Chromium (Playwright): each role signs
in and does its work — search, open an ormas, record one, move an application from submitted to
registered, upload a document — an analyst sees no write button and a write typed by hand is
refused by the service, a forged form token is refused, a deactivated account's session stops.
Every page is checked with axe-core (no serious or critical violation) and photographed at 390 px
and 1366 px into .data/screenshots/web/."""

from __future__ import annotations

import io
import re
import uuid

import httpx
import pytest
import segno
from playwright.async_api import expect

from deploy.local import stack
from tests.e2e.web_support import PASSWORD, look, make_account, signed_in
from tests.helpers import eventually, qr_codes

pytestmark = pytest.mark.e2e

REGION = "63.71"  # Kota Banjarmasin: no other test records there


@pytest.fixture(scope="module")
async def accounts(platform, headers):
    """One account per role of Kota Banjarmasin's office, created by a national admin."""
    return {role: await make_account(platform, headers, role, REGION)
            for role in ("operator", "verifier", "head", "analyst", "admin")}


async def test_the_login_page_refuses_a_wrong_password_in_indonesian(browser, platform, accounts):
    context = await browser.new_context(base_url=platform.urls["web"])
    page = await context.new_page()
    await page.goto("/beranda")
    await expect(page).to_have_url(re.compile(r"/masuk$"))  # no session: the login page
    await look(page, "masuk")
    await page.get_by_label("Nama pengguna").fill(accounts["operator"])
    await page.get_by_label("Kata sandi").fill("bukan-sandinya")
    await page.get_by_role("button", name="Masuk").click()
    await expect(page.locator("#login-error")).to_have_text("Nama pengguna atau kata sandi salah.")
    await look(page, "masuk-salah")


async def test_an_operator_records_searches_and_opens_an_ormas(browser, platform, accounts):
    page = await signed_in(browser, platform, accounts["operator"])
    await expect(page.get_by_role("heading", level=1)).to_have_text("Beranda Kota Banjarmasin")
    await look(page, "beranda")

    name = f"Laskar Sungai Martapura {uuid.uuid4().hex[:4]}"
    await page.get_by_role("link", name="Catat ormas baru").first.click()
    await look(page, "ormas-baru")
    await page.get_by_label("Nama ormas").fill(name)
    await page.get_by_label("Singkatan").fill("LSM-" + name[-4:])
    await page.get_by_label("Bidang").fill("lingkungan, sosial")
    await page.get_by_label("Surel").fill("sekretariat@laskar.example.id")
    await page.get_by_label("WhatsApp").fill("0812 5100 7788")
    await page.get_by_label("Telepon").fill("bukan nomor")  # an error shown inline, nothing recorded
    await page.get_by_role("button", name="Catat ormas").click()
    await expect(page.locator("#phone-error")).to_be_visible()
    await look(page, "ormas-baru-salah")
    await page.get_by_label("Telepon").fill("0511 3350 123")
    await page.get_by_role("button", name="Catat ormas").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    await expect(page.get_by_text("Ormas sudah dicatat.")).to_be_visible()
    await look(page, "ormas")

    # the same name again: the near match is shown before anything is recorded
    await page.goto("/ormas/baru")
    await page.get_by_label("Nama ormas").fill(name)
    await page.get_by_role("button", name="Catat ormas").click()
    await expect(page.locator("#mirip")).to_contain_text(name)
    await look(page, "ormas-baru-mirip")

    await page.goto("/ormas")
    await page.get_by_label("Cari nama atau singkatan").fill(name.split()[-1])
    await page.get_by_role("button", name="Cari").click()
    await expect(page.get_by_role("link", name=name)).to_be_visible()
    await look(page, "buku-ormas")
    await page.get_by_role("link", name=name).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(name)


async def test_an_application_moves_from_submitted_to_registered(browser, platform, accounts, headers):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        r = await reg.post("/ormas", json={"name": f"Persatuan Nelayan Barito {uuid.uuid4().hex[:4]}", "kind": "ormas",
                                           "region": REGION, "email": "pnb@example.id"},
                           headers=headers("operator", REGION))
        assert r.status_code == 201
        oid = r.json()["id"]

    op = await signed_in(browser, platform, accounts["operator"])
    await op.goto(f"/ormas/{oid}")
    for action in ("Mulai permohonan SKT", "Ajukan permohonan"):
        await op.get_by_role("link", name=action).click()
        await op.get_by_role("button", name=action).click()
        await expect(op.get_by_role("status")).to_contain_text(action)
    await expect(op.locator(".badge.big")).to_have_text("Permohonan masuk")
    # the operator files the deed of establishment
    await op.get_by_label("Jenis dokumen").select_option(value="akta_pendirian")
    await op.get_by_label("Berkas (PDF, JPEG atau PNG, maks. 10 MB)").set_input_files(
        files=[{"name": "akta.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%akta\n"}])
    await op.get_by_role("button", name="Unggah dokumen").click()
    await expect(op.get_by_text("Dokumen sudah diunggah.")).to_be_visible()
    await expect(op.locator(".checklist .ok")).to_contain_text("Akta pendirian")

    ver = await signed_in(browser, platform, accounts["verifier"])
    await ver.goto(f"/ormas/{oid}")
    await ver.get_by_role("link", name="Mulai verifikasi").click()
    await ver.get_by_role("button", name="Mulai verifikasi").click()
    await ver.get_by_role("link", name="Catat pemeriksaan dokumen").click()
    await ver.get_by_label("Lengkap", exact=True).check()
    await look(ver, "tindakan-dokumen")
    await ver.get_by_role("button", name="Catat pemeriksaan dokumen").click()
    await expect(ver.get_by_role("status")).to_contain_text("Catat pemeriksaan dokumen")
    await ver.goto("/beranda")  # documents complete: the field visit waits on the office's home
    await expect(ver.locator("section", has=ver.get_by_role("heading", name="Kunjungan lapangan perlu dijadwalkan"))).to_contain_text("Persatuan Nelayan Barito")
    await ver.goto(f"/ormas/{oid}")
    await ver.get_by_role("link", name="Catat kunjungan lapangan").click()
    await ver.get_by_label("Tanggal kunjungan").fill("2026-11-30")
    await ver.get_by_label("Sesuai", exact=True).check()
    await ver.get_by_role("button", name="Catat kunjungan lapangan").click()
    await ver.get_by_role("link", name="Terbitkan SKT").click()
    await ver.get_by_role("button", name="Terbitkan SKT").click()
    await expect(ver.locator(".badge.big")).to_have_text("Terdaftar (SKT berlaku)")
    await expect(ver.locator(".timeline")).to_contain_text("Terbitkan SKT")
    await look(ver, "ormas-terdaftar")
    # the Surat Keterangan Terdaftar, signed by the office: not before the office names its head
    await op.goto(f"/ormas/{oid}")
    letter = await op.request.get(f"/ormas/{oid}/surat-keterangan.pdf")
    assert letter.status == 422 and "nama dan jabatan kepala" in await letter.text()
    office = {"name": "Badan Kesatuan Bangsa dan Politik Kota Banjarmasin", "head_name": "Drs. H. Ahmad Fauzi",
              "head_title": "Kepala Badan Kesatuan Bangsa dan Politik"}
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        assert (await reg.put(f"/offices/{REGION}", json=office, headers=headers("admin", REGION))).status_code == 200
        skt = (await reg.get(f"/ormas/{oid}", headers=headers("operator", REGION))).json()["skt"]

    async def written():  # once notifications' copy of the office names its head
        r = await op.request.get(f"/ormas/{oid}/surat-keterangan.pdf")
        return await r.body() if r.status == 200 else None

    pdf = await eventually(written, timeout=30, interval=0.5, what="the signed registration letter")
    from pypdf import PdfReader

    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    for part in ("SURAT KETERANGAN TERDAFTAR", f"Nomor: {skt['number']}", "Persatuan Nelayan Barito",
                 "Drs. H. Ahmad Fauzi", "Kode verifikasi:"):
        assert part in text, part
    (verify,) = qr_codes(pdf)
    public = await (await browser.new_context(base_url=platform.urls["web"])).new_page()
    await public.goto(verify)
    await expect(public.get_by_label("Dokumen")).to_contain_text("Surat Keterangan Terdaftar")
    await expect(public.get_by_label("Dokumen")).to_contain_text(skt["number"])
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:  # as the admin test finds it
        r = await reg.put(f"/offices/{REGION}", json={"name": office["name"]}, headers=headers("admin", REGION))
        assert r.status_code == 200


async def test_an_analyst_sees_no_write_button_and_a_typed_write_is_refused(browser, platform, accounts, headers):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        r = await reg.post("/ormas", json={"name": f"Forum Warga Kayu Tangi {uuid.uuid4().hex[:4]}", "kind": "lsm",
                                           "region": REGION, "whatsapp": "081251009988"},
                           headers=headers("operator", REGION))
        oid, before = r.json()["id"], r.json()["version"]
    page = await signed_in(browser, platform, accounts["analyst"])
    await page.goto(f"/ormas/{oid}")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert await page.locator("main a.button, main button").count() == 0  # no write of any kind offered
    await expect(page.locator(".facts").nth(1)).to_contain_text("*")  # contacts masked for an analyst
    await look(page, "ormas-analis")
    await page.goto("/ormas/baru")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Tidak diizinkan")
    # a write typed by hand, with the session's own form token: the registry refuses it
    csrf = await page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']")
    r = await page.request.post(f"/ormas/{oid}/tindakan/start_application", form={"csrf": csrf, "version": str(before)})
    assert r.status == 403 and "Anda tidak berwenang melakukan tindakan ini." in await r.text()
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        assert (await reg.get(f"/ormas/{oid}", headers=headers("operator", REGION))).json()["version"] == before


async def test_a_forged_form_token_is_refused(browser, platform, accounts):
    page = await signed_in(browser, platform, accounts["operator"])
    r = await page.request.post("/ormas/baru", form={"csrf": "palsu", "name": "Ormas Palsu", "region": REGION,
                                                      "kind": "ormas"})
    assert r.status == 403 and "Permintaan ditolak" in await r.text()
    r = await page.request.post("/ormas/baru", form={"name": "Ormas Palsu", "region": REGION, "kind": "ormas"})
    assert r.status == 403


async def test_a_deactivated_accounts_session_stops_working(browser, platform, accounts, headers):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        username = f"operator.x{uuid.uuid4().hex[:5]}"
        assert (await reg.post("/users", json={"username": username, "full_name": "Sementara", "role": "operator",
                                               "region": REGION, "password": PASSWORD},
                               headers=headers("admin", REGION))).status_code == 201
        page = await signed_in(browser, platform, username)
        assert (await reg.patch(f"/users/{username}", json={"active": False},
                                headers=headers("admin", REGION))).status_code == 200

    async def sent_to_login():
        await page.goto("/ormas")
        return page.url.endswith("/masuk?berakhir=1") or None

    await eventually(sent_to_login, what="the deactivated account's next page to be the login")
    await expect(page.get_by_role("status")).to_contain_text("Sesi Anda telah berakhir")


async def test_the_first_run_page_is_closed_once_an_admin_exists(browser, platform, accounts, infra):
    code = stack.ensure_setup_code()
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        assert (await reg.get("/auth/setup")).json() == {"needed": False, "available": False}
        r = await reg.post("/auth/setup", json={"code": code, "username": "penyusup.kedua", "full_name": "Penyusup",
                                                "password": "rahasia-kedua-2026"})
        assert r.status_code == 409
    context = await browser.new_context(base_url=platform.urls["web"])
    page = await context.new_page()
    await page.goto("/pasang")
    await expect(page).to_have_url(re.compile(r"/masuk$"))
    await expect(page.get_by_text("belum punya administrator")).to_have_count(0)


async def test_an_oversized_upload_is_refused_before_it_is_read(browser, platform, accounts, headers):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        oid = (await reg.post("/ormas", json={"name": f"Ormas Berkas Besar {uuid.uuid4().hex[:4]}", "kind": "ormas",
                                              "region": REGION}, headers=headers("operator", REGION))).json()["id"]
    page = await signed_in(browser, platform, accounts["operator"])
    csrf = await page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']")
    r = await page.request.post(f"/ormas/{oid}/dokumen", multipart={
        "csrf": csrf, "type": "akta_pendirian",
        "file": {"name": "besar.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-" + b"0" * (11 * 1024 * 1024)}})
    assert r.status == 413 and "paling banyak 10 MB" in await r.text()


async def test_an_admin_manages_the_offices_accounts_and_settings(browser, platform, accounts, headers):
    page = await signed_in(browser, platform, accounts["admin"])
    await page.get_by_role("link", name="Pengguna").click()
    await expect(page.get_by_role("link", name=accounts["operator"])).to_be_visible()
    await look(page, "pengguna")

    new = f"staf.{uuid.uuid4().hex[:5]}"
    await page.get_by_role("link", name="Buat akun baru").click()
    await page.get_by_label("Nama lengkap").fill("Staf Sekretariat")
    await page.get_by_label("Nama pengguna").fill(new)
    await page.get_by_label("Peran").select_option("verifier")
    await page.get_by_label("Kode wilayah").fill("35.75")  # another province: the registry refuses
    await page.get_by_label("Kata sandi awal (minimal 12 karakter)").fill(PASSWORD)
    await page.get_by_label("Ulangi kata sandi").fill(PASSWORD)
    await page.get_by_role("button", name="Buat akun").click()
    await expect(page.locator("#region-error")).to_be_visible()
    await look(page, "pengguna-baru-salah")
    await page.get_by_label("Kode wilayah").fill(REGION)
    await page.get_by_label("Kata sandi awal (minimal 12 karakter)").fill(PASSWORD)
    await page.get_by_label("Ulangi kata sandi").fill(PASSWORD)
    await page.get_by_role("button", name="Buat akun").click()
    await expect(page.get_by_text("Akun sudah dibuat.")).to_be_visible()
    await look(page, "pengguna-akun")

    # the new verifier signs in, then the admin deactivates the account: its session ends
    staff = await signed_in(browser, platform, new)
    await page.get_by_role("button", name="Nonaktifkan akun").click()
    await expect(page.get_by_text("Akun dinonaktifkan; sesinya berakhir.")).to_be_visible()

    async def sent_to_login():
        await staff.goto("/beranda")
        return staff.url.endswith("/masuk?berakhir=1") or None

    await eventually(sent_to_login, what="the deactivated verifier's next page to be the login")

    await page.get_by_role("link", name="Kantor").click()
    await page.get_by_label("Nama kantor").fill("Badan Kesatuan Bangsa dan Politik Kota Banjarmasin")
    await page.get_by_label("Kop surat (satu baris per baris, paling banyak 6)").fill(
        "PEMERINTAH KOTA BANJARMASIN\nBADAN KESATUAN BANGSA DAN POLITIK")
    await page.get_by_label("Nama kepala").fill("Drs. H. Ahmad Fauzi")
    await page.get_by_label("Telepon kantor").fill("(0511) 3352112")
    await page.get_by_label("Situs web kantor").fill("kesbangpol.banjarmasinkota.go.id")
    await page.get_by_label("Format nomor SKT").fill("220/{seq:04d}/{password}")
    await page.get_by_role("button", name="Simpan pengaturan").click()
    await expect(page.locator("#skt_number_format-error")).to_be_visible()
    await page.get_by_label("Format nomor SKT").fill("220/{seq:04d}/SKT/{office}/{year}")
    await page.get_by_label("Situs web kantor").fill("kesbangpol banjarmasin")  # not an address
    await page.get_by_role("button", name="Simpan pengaturan").click()
    await expect(page.locator("#website-error")).to_be_visible()
    await page.get_by_label("Situs web kantor").fill("kesbangpol.banjarmasinkota.go.id")
    await page.get_by_role("button", name="Simpan pengaturan").click()
    await expect(page.get_by_text("Pengaturan kantor sudah disimpan.")).to_be_visible()
    await expect(page.locator(".letter")).to_contain_text("BADAN KESATUAN BANGSA DAN POLITIK")
    await expect(page.locator(".letter")).to_contain_text("Telp. (0511) 3352112 · kesbangpol.banjarmasinkota.go.id")
    await look(page, "kantor")
    # the letter through notifications' own writer: it needs the head's title first
    letter = await page.request.get("/kantor/contoh-surat.pdf")
    assert letter.status == 422 and "lengkapi jabatan kepala" in await letter.text()
    await page.get_by_label("Jabatan kepala").fill("Kepala Badan Kesatuan Bangsa dan Politik")
    await page.get_by_role("button", name="Simpan pengaturan").click()
    letter = await page.request.get("/kantor/contoh-surat.pdf")
    assert letter.status == 200 and letter.headers["content-type"] == "application/pdf"
    assert (await letter.body()).startswith(b"%PDF")
    # the letterhead's logo: a script inside an SVG is refused, a PNG is kept and shown
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="4"/></svg>'
    await page.get_by_label("Berkas logo (PNG atau SVG, paling besar 256 KB)").set_input_files(
        {"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": svg})
    await page.get_by_role("button", name="Unggah logo").click()
    await expect(page.get_by_role("alert")).to_contain_text("tanpa skrip atau tautan")
    png = io.BytesIO()
    segno.make("Kesbangpol Banjarmasin").save(png, kind="png", scale=4)
    await page.get_by_label("Berkas logo (PNG atau SVG, paling besar 256 KB)").set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": png.getvalue()})
    await page.get_by_role("button", name="Unggah logo").click()
    await expect(page.get_by_text("Logo kantor sudah disimpan.")).to_be_visible()
    await _image_loaded(page, "Logo kantor")
    # the head's signature: a PNG only
    await page.get_by_label("Berkas tanda tangan (PNG, paling besar 256 KB)").set_input_files(
        {"name": "ttd.svg", "mimeType": "image/svg+xml", "buffer": b'<svg xmlns="http://www.w3.org/2000/svg"/>'})
    await page.get_by_role("button", name="Unggah tanda tangan").click()
    await expect(page.get_by_role("alert")).to_contain_text("Tanda tangan harus gambar PNG")
    await page.get_by_label("Berkas tanda tangan (PNG, paling besar 256 KB)").set_input_files(
        {"name": "ttd.png", "mimeType": "image/png", "buffer": png.getvalue()})
    await page.get_by_role("button", name="Unggah tanda tangan").click()
    await expect(page.get_by_text("Tanda tangan kepala sudah disimpan.")).to_be_visible()
    await _image_loaded(page, "Tanda tangan kepala")
    await look(page, "kantor-logo")
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        office = (await reg.get(f"/offices/{REGION}", headers=headers("admin", REGION))).json()
        assert office["head_name"] == "Drs. H. Ahmad Fauzi" and len(office["letterhead"]) == 2
        assert office["phone"] == "(0511) 3352112" and office["signature"]["media_type"] == "image/png"
        assert office["logo"]["media_type"] == "image/png" and office["logo"]["size"] == len(png.getvalue())
        got = await reg.get(f"/offices/{REGION}/logo", headers=headers("analyst", REGION))
        assert got.content == png.getvalue() and "sandbox" in got.headers["content-security-policy"]
        r = await reg.put(f"/offices/{REGION}/logo", files={"file": ("x.png", b"GIF89a....", "image/png")},
                          headers=headers("admin", REGION))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
        r = await reg.put(f"/offices/{REGION}/logo", files={"file": ("x.png", png.getvalue(), "image/png")},
                          headers=headers("operator", REGION))
        assert r.status_code == 403

    op = await signed_in(browser, platform, accounts["operator"])
    await op.goto("/pengguna")
    await expect(op.get_by_role("heading", level=1)).to_have_text("Tidak diizinkan")


async def test_an_office_imports_its_book_row_by_row_through_the_wizard(browser, platform, accounts):
    from tests.e2e.events_support import book

    tag = uuid.uuid4().hex[:4]
    rows = [[f"Paguyuban Sasirangan {tag} {i}", "Ormas", REGION, f"Jl. Lambung Mangkurat {i}", f"p{i}.{tag}@example.id",
             "", "budaya", "", None] for i in range(4)]
    rows += [[f"Ormas Jenis Aneh {tag}", "Klub Motor", REGION, "", "", "", "", "", None],  # an unknown kind
             [f"Paguyuban Sasirangan {tag} 0", "Ormas", REGION, "", "", "", "", "", None],  # row 2 again
             [f"Ormas Ber-SKT {tag}", "LSM", REGION, "", "", "", "", "220/7/SKT/2017", "2017-03-01"]]  # an operator records no SKT
    page = await signed_in(browser, platform, accounts["operator"])
    await page.goto("/ormas")
    await page.get_by_role("link", name="Impor dari berkas").click()
    await look(page, "impor-unggah")
    await page.get_by_label("Berkas (CSV atau XLSX, paling besar 20 MB)").set_input_files(files=[{
        "name": "buku-ormas-banjarmasin.xlsx", "buffer": book(rows),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    await page.get_by_role("button", name="Unggah dan periksa").click()
    await expect(page.get_by_role("button", name="Catat 4 ormas")).to_be_visible(timeout=60_000)
    table = page.get_by_role("table")
    await expect(table.locator("tbody tr")).to_have_count(3)
    await expect(table).to_contain_text("Bukan pilihan yang dikenal.")
    await expect(table).to_contain_text("Ormas yang sama sudah ada di baris 2.")
    await expect(table).to_contain_text("hanya dapat diimpor oleh verifikator")
    await look(page, "impor-laporan")
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Unduh baris yang ditolak (CSV)").click()
    refused = (await (await download.value).path()).read_text(encoding="utf-8-sig")
    assert refused.splitlines()[0].startswith("Baris,Nama Ormas") and refused.count("\n") == 4
    assert "Klub Motor" in refused and "Bukan pilihan yang dikenal." in refused

    await page.get_by_role("button", name="Catat 4 ormas").click()
    await expect(page.get_by_text("4 ormas dicatat")).to_be_visible(timeout=60_000)
    await look(page, "impor-selesai")

    async def in_the_book():
        await page.goto(f"/ormas?q=Sasirangan+{tag}")
        return await page.locator("tbody tr").count() == 4 or None

    await eventually(in_the_book, timeout=60, what="the imported ormas in the book's search")


async def test_the_door_checks_in_by_code_and_by_name_on_a_phone(browser, platform, accounts, headers):
    from tests.e2e.events_support import create_kegiatan, step

    op = headers("operator", REGION)
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=30) as ev:
        k = await create_kegiatan(ev, op, title=f"Apel Kebangsaan {uuid.uuid4().hex[:4]}", type="apel",
                                  venue_name="Halaman Balai Kota", venue_region=REGION, region=REGION)
        r = await ev.put(f"/kegiatan/{k['id']}/invitees", headers=op, json={"guests": [
            {"name": "Camat Banjarmasin Tengah", "email": "camat@example.id"},
            {"name": "Lurah Kertak Baru Ilir", "email": "lurah@example.id"},
            {"name": "Tokoh Masyarakat Kelayan"}]})  # no contact: unreachable, to be told by hand
        assert r.status_code == 200, r.text
        assert (await step(ev, op, k["id"], "publish")).status_code == 200

        async def both_invited():
            items = (await ev.get(f"/kegiatan/{k['id']}/participants", headers=op)).json()["items"]
            return items if len(items) == 3 else None

        await eventually(both_invited, what="the three guests invited")
        assert (await step(ev, op, k["id"], "start")).status_code == 200

    page = await signed_in(browser, platform, accounts["operator"])
    await page.set_viewport_size({"width": 390, "height": 800})
    await page.goto(platform.urls["events"] + f"/kegiatan/{k['id']}/check-in")  # the old address
    await expect(page.get_by_role("heading", level=1)).to_have_text("Registrasi peserta")
    await expect(page.locator("#count")).to_contain_text("Hadir: 0 dari 3")
    await page.get_by_label("Atau ketik/tempel kode QR").fill("bukan-kode-peserta")
    await page.get_by_role("button", name="Catat hadir", exact=True).click()
    await expect(page.locator("#msg")).to_have_text("Kode QR tidak dikenal untuk kegiatan ini.")
    # the desk was swapped in by htmx: type once htmx has taken the new search field in hand
    await page.wait_for_function("() => document.querySelector('#q')['htmx-internal-data'] !== undefined")
    await page.get_by_label("Nama peserta atau utusan").fill("Camat")
    await page.get_by_role("button", name=re.compile("Camat Banjarmasin Tengah — catat hadir")).click()
    await expect(page.locator("#msg")).to_contain_text("Camat Banjarmasin Tengah")
    await expect(page.locator("#count")).to_contain_text("Hadir: 1 dari 3")
    await look(page, "hadir")

    async def told_on_the_home():  # the guest without a contact reaches reporting as unreachable
        await page.goto("/beranda")
        return await page.get_by_text("1 undangan bulan ini dan bulan lalu").count() == 1 or None

    await eventually(told_on_the_home, timeout=60, interval=1, what="the unreachable invitation on the home")


async def test_a_compiled_report_is_downloaded_from_the_home(browser, platform, accounts, headers):
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=30) as rp:
        r = await rp.post("/reports", json={"period": "2026-10", "region": REGION, "formats": ["pdf", "csv"]},
                          headers=headers("analyst", REGION))
        assert r.status_code in (200, 202), r.text
        rid = r.json()["id"]

        async def done():
            return (await rp.get(f"/reports/{rid}", headers=headers("analyst", REGION))).json()["status"] == "done" or None

        await eventually(done, timeout=120, interval=1, what="the compiled report")
    page = await signed_in(browser, platform, accounts["analyst"])
    panel = page.locator("section", has=page.get_by_role("heading", name="Laporan siap diunduh"))
    await expect(panel).to_contain_text("Kota Banjarmasin")
    async with page.expect_download() as download:
        await panel.get_by_role("link", name="PDF").first.click()
    assert (await (await download.value).path()).read_bytes().startswith(b"%PDF")
    await look(page, "beranda-analis")


async def test_the_public_directory_is_used_without_logging_in(browser, platform, headers):
    import csv
    import json

    tag = uuid.uuid4().hex[:5]
    op = headers("operator", REGION)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        listed = (await reg.post("/ormas", headers=op, json={
            "name": f"Yayasan Pendidikan Sungai Martapura {tag}", "acronym": f"YPSM{tag[:2]}", "kind": "ormas",
            "legal_form": "yayasan", "decree_number": f"AHU-00{tag}.AH.01.04.2020", "region": REGION,
            "bidang": ["pendidikan"], "email": f"ypsm.{tag}@contoh.or.id", "whatsapp": "081251234567"})).json()
        unlisted = (await reg.post("/ormas", headers=op, json={"name": f"Paguyuban Belum Terdaftar {tag}",
                                                                "kind": "ormas", "region": REGION})).json()
        assert listed["status"] == "legal_entity" and unlisted["status"] == "unregistered"
        r = await reg.get("/directory", params={"q": tag})  # no token
        assert r.status_code == 200 and [i["name"] for i in r.json()["items"]] == [listed["name"]]
        assert "email" not in r.text and "0812" not in r.text
        assert (await reg.get("/directory", params={"region": "99.99"})).status_code == 422
    page = await (await browser.new_context(base_url=platform.urls["web"])).new_page()  # nobody signed in
    await page.goto("/direktori")
    await page.get_by_label("Cari nama atau singkatan").fill(tag)
    await page.get_by_label("Provinsi").select_option(label="Kalimantan Selatan")
    await page.get_by_role("button", name="Cari").click()
    table = page.get_by_role("table")
    await expect(table).to_contain_text(f"Yayasan Pendidikan Sungai Martapura {tag}")
    await expect(table).to_contain_text("Berbadan hukum")
    await expect(table).not_to_contain_text(f"Paguyuban Belum Terdaftar {tag}")  # not registered: not listed
    await expect(page.locator("main")).not_to_contain_text(f"ypsm.{tag}@contoh.or.id")
    await look(page, "direktori")
    async with page.expect_download() as got:
        await page.get_by_role("link", name="Unduh CSV").click()
    rows = list(csv.reader((await (await got.value).path()).read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][0] == "Nama" and rows[1][0] == listed["name"] and len(rows) == 2
    data = json.loads(await (await page.request.get(f"/direktori.json?q={tag}")).text())
    assert data["count"] == 1 and data["items"][0]["legal_form"] == "yayasan"
    statuses = [(await page.request.get(f"/direktori.json?q={tag}")).status for _ in range(10)]
    assert 429 in statuses  # ten files a minute per client


async def _image_loaded(page, alt: str) -> None:
    """The image shown is one the browser could decode (awaited: it may still be loading)."""
    await page.wait_for_function(
        "alt => [...document.images].some(i => i.alt === alt && i.complete && i.naturalWidth > 0)", arg=alt)
