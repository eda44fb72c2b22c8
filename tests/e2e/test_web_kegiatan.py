"""Kegiatan through the web application, in Debian's Chromium — the five articles' journeys:
Kota Pasuruan's facilitation days inviting 70 ormas with a valid SKT; a dialog from draft to its
aspirations (the form in steps, invitees by rule with a live count plus an ormas picked by name and
a guest pasted, the letter previewed, publishing confirmed by channel, participants with their
letters, an answer by phone, "Ingatkan", the list to contact by hand); an apel with guests only and
a walk-in at the door; PWI's visit as a visit log; DKI Jakarta's three-day training checked in by
QR on its first day. Also the 2018 facilitation days recorded afterwards and a city's report sent
up to its province. Each page is checked with axe-core and photographed at both widths."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import httpx
import pytest
from playwright.async_api import expect

from shared import regions
from tests.e2e.events_support import create_kegiatan, create_ormas, set_invitees_when_copied
from tests.e2e.web_support import PASSWORD, look, make_account, signed_in
from tests.helpers import eventually, qr_codes

pytestmark = pytest.mark.e2e

REGION = "61.71"  # Kota Pontianak (WIB): no other test records there


async def test_an_operator_takes_a_dialog_from_draft_to_its_outcomes(browser, platform, headers):
    tag = uuid.uuid4().hex[:5]
    op = headers("operator", REGION)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        ids = [(await create_ormas(reg, op, name=f"Forum Pemuda {tag} {i}", kind="ormas", region=REGION,
                                   bidang=[f"dialog{tag}"], email=f"forum{i}@{tag}.example.org"))["id"] for i in (1, 2)]
        quiet = (await create_ormas(reg, op, name=f"Paguyuban Sunyi {tag}", kind="ormas", region=REGION))["id"]
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:  # the events copy has them
        probe = await create_kegiatan(ev, op, venue_region=REGION, region=REGION)
        await set_invitees_when_copied(ev, op, probe["id"], {"ormas_ids": [*ids, quiet]}, 3)
    operator = await make_account(platform, headers, "operator", REGION)
    page = await signed_in(browser, platform, operator)

    await page.get_by_role("link", name="Kegiatan", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kegiatan")
    await look(page, "kegiatan-kalender")
    await page.get_by_role("link", name="Buat kegiatan").first.click()
    start = (dt.datetime.now(regions.ZONES["WIB"]) + dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    end = start + dt.timedelta(hours=3)
    await page.get_by_label("Nama kegiatan").fill(f"Dialog Kebangsaan {tag}")
    await page.get_by_label("Jenis kegiatan").select_option("dialog")
    await page.get_by_label("Tanggal mulai").fill(start.date().isoformat())
    await page.get_by_label("Jam mulai").fill(f"{start:%H.%M}")
    await page.get_by_label("Tanggal selesai").fill(start.date().isoformat())
    await page.get_by_label("Jam selesai").fill(f"{start:%H.%M}")  # ends as it starts: named, then fixed
    await page.get_by_label(re.compile(r"^Tempat\W*$")).fill("Aula Bakesbangpol")
    await page.get_by_label("Susunan acara").fill("Pembukaan\nDialog bersama narasumber\nPenutupan")
    await look(page, "kegiatan-baru")
    await page.get_by_role("button", name="Simpan dan lanjut ke undangan").click()
    await expect(page.get_by_role("alert")).to_contain_text("Selesai harus sesudah mulai")
    await page.get_by_label("Tanggal selesai").fill(end.date().isoformat())
    await page.get_by_label("Jam selesai").fill(f"{end:%H.%M}")
    await page.get_by_role("button", name="Simpan dan lanjut ke undangan").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Siapa yang diundang")
    kid = re.search(r"/kegiatan/([^/]+)/undangan", page.url).group(1)

    # by rule (their bidang), one ormas picked by name, a guest pasted: the live count follows
    await page.get_by_label("Bidang").fill(f"dialog{tag}")
    count = page.locator("#hitungan")
    await expect(count).to_contain_text("2 undangan: 2 ormas dan 0 tamu")
    await page.get_by_label("Cari ormas menurut nama").fill(f"Sunyi {tag}")
    await page.get_by_label(f"Paguyuban Sunyi {tag}").check()
    await expect(count).to_contain_text("3 undangan: 3 ormas dan 0 tamu")
    await page.get_by_label("Satu tamu per baris").fill(
        f"Kapolresta Pontianak\tPejabat\tKapolresta\tPolresta Pontianak\tpolresta@{tag}.example.org\t")
    await expect(count).to_contain_text("4 undangan: 3 ormas dan 1 tamu")
    await expect(count).to_contain_text("Surel 3")
    await expect(count).to_contain_text("1 tanpa kontak")
    await look(page, "kegiatan-undangan")
    await page.get_by_role("button", name="Simpan daftar undangan").click()
    await expect(page.get_by_role("status")).to_contain_text("Daftar undangan sudah disimpan")

    # the letter as it will be sent, then publishing with its confirmation
    pdf = await page.request.get(f"/kegiatan/{kid}/surat.pdf")
    assert pdf.status == 422  # the letter's number and signatory are still missing: the page says so
    assert "Surat belum dapat dibuat" in await pdf.text()
    await page.goto(f"/kegiatan/{kid}/ubah")
    await page.get_by_label("Nomor surat").fill(f"005/{tag}/KESBANG/2026")
    await page.get_by_label("Nama penanda tangan").fill("Drs. H. Ahmad Fauzi, M.Si.")
    await page.get_by_label("Jabatan penanda tangan").fill("Kepala Badan Kesbangpol Kota Pontianak")
    await page.get_by_role("button", name="Simpan perubahan").click()
    pdf = await page.request.get(f"/kegiatan/{kid}/surat.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and (await pdf.body())[:4] == b"%PDF"
    await page.get_by_role("link", name="Terbitkan dan kirim undangan").click()
    await expect(page.get_by_role("status")).to_contain_text("4 undangan (3 ormas dan 1 tamu)")
    await expect(page.get_by_role("status")).to_contain_text("Surel 3")
    letter = page.frame_locator("iframe.letter-preview").locator("body")  # the e-mail's letter, as it will go
    await expect(letter).to_contain_text(f"005/{tag}/KESBANG/2026")
    await expect(letter).to_contain_text("Drs. H. Ahmad Fauzi, M.Si.")
    await look(page, "kegiatan-terbitkan")
    publish = page.get_by_role("button", name="Terbitkan dan kirim undangan")
    await publish.scroll_into_view_if_needed()  # below the framed letter
    await publish.click()
    await expect(page.get_by_role("status")).to_contain_text("undangan sedang dikirim")

    async def letters_sent():  # the fan-out and the letters go on after the page
        await page.reload()
        return await page.locator("#daftar-peserta").get_by_text("Surel: terkirim").count() == 3 or None

    await eventually(letters_sent, timeout=90, interval=1, what="three letters sent, shown per participant")
    await look(page, "kegiatan-detail")

    # an answer by phone, then the reminder to those who have not answered
    row = page.locator("#daftar-peserta tr", has_text=f"Paguyuban Sunyi {tag}")
    await row.get_by_role("link", name="Catat jawaban lewat telepon/surat").click()
    await page.get_by_label("Nama utusan").fill("Ketua Paguyuban")
    await page.get_by_label("Diterima lewat").select_option("telepon")
    await look(page, "kegiatan-jawaban")
    await page.get_by_role("button", name="Catat jawaban").click()
    await expect(page.get_by_role("status")).to_contain_text("Jawaban sudah dicatat")
    await expect(page.locator("#daftar-peserta tr", has_text=f"Paguyuban Sunyi {tag}")).to_contain_text(
        "dicatat petugas (Telepon)")
    await page.get_by_role("button", name="Pilih semua yang belum menjawab").click()
    await page.get_by_role("button", name="Ingatkan yang dipilih").click()
    await expect(page.get_by_role("status")).to_contain_text("Pengingat dikirim kepada 3 alamat")
    await page.goto(f"/kegiatan/{kid}/tak-terjangkau")
    await expect(page.locator("table")).to_contain_text(f"Paguyuban Sunyi {tag}")
    await look(page, "kegiatan-tanpa-kontak")

    # the day: start, minutes and an aspiration, then completion
    await page.goto(f"/kegiatan/{kid}")
    await page.get_by_role("link", name="Mulai kegiatan").click()
    await page.get_by_role("button", name="Mulai kegiatan").click()
    await expect(page.locator(".heading .badge")).to_have_text("Sedang berlangsung")
    await page.get_by_label(re.compile("^Notulen")).fill("Dialog berjalan lancar.\n- Ormas meminta pelatihan administrasi")
    await page.get_by_role("button", name="Simpan notulen").click()
    await expect(page.get_by_role("status")).to_contain_text("Notulen sudah disimpan")
    await page.locator("summary", has_text="Catat aspirasi").click()
    await page.get_by_label("Topik").fill("Pelatihan administrasi ormas")
    await page.get_by_label("Disampaikan oleh (nama dan ormas)").fill(f"Ketua Forum Pemuda {tag} 1")
    await page.get_by_label("Penanggung jawab tindak lanjut").fill("Bakesbangpol Kota Pontianak")
    await page.get_by_role("button", name="Catat aspirasi").click()
    await expect(page.locator("#hasil table")).to_contain_text("Pelatihan administrasi ormas")
    await look(page, "kegiatan-hasil")
    await page.get_by_role("link", name="Selesaikan kegiatan").click()
    await page.get_by_role("button", name="Selesaikan kegiatan").click()
    await expect(page.locator(".heading .badge")).to_have_text("Selesai")


async def test_an_analyst_reads_kegiatan_but_gets_no_form(browser, platform, headers):
    analyst = await make_account(platform, headers, "analyst", REGION)
    page = await signed_in(browser, platform, analyst)
    await page.goto("/kegiatan")
    await expect(page.get_by_role("link", name="Buat kegiatan")).to_have_count(0)
    r = await page.goto("/kegiatan/baru")
    assert r.status == 403
    await expect(page.get_by_role("heading", level=1)).to_have_text("Tidak diizinkan")


async def test_pwis_visit_is_recorded_as_a_visit_log(browser, platform, headers):
    region = "33.26"  # Kabupaten Pekalongan
    tag = uuid.uuid4().hex[:5]
    op = headers("operator", region)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        pwi = await create_ormas(reg, op, name=f"Persatuan Wartawan Indonesia {tag}", acronym=f"PWI{tag}", kind="profesi",
                                 region=region)
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:
        probe = await create_kegiatan(ev, op, venue_region=region, region=region)
        await set_invitees_when_copied(ev, op, probe["id"], {"ormas_ids": [pwi["id"]]}, 1)
    page = await signed_in(browser, platform, await make_account(platform, headers, "operator", region))
    await page.goto("/kegiatan")
    await page.get_by_role("link", name="Catat kunjungan ormas").click()
    await page.get_by_label("Cari menurut nama").fill(f"Wartawan Indonesia {tag}")
    await page.get_by_label(f"Persatuan Wartawan Indonesia {tag}").check()
    yesterday = (dt.datetime.now(regions.ZONES["WIB"]) - dt.timedelta(days=1)).date()
    await page.get_by_label("Tanggal").fill(yesterday.isoformat())
    await page.get_by_label("Jam datang").fill("09.00")
    await page.get_by_label("Jam selesai").fill("10.30")
    await page.get_by_label("Maksud kunjungan").fill("Silaturahmi pengurus baru PWI")
    await page.get_by_label("Yang datang (satu nama per baris)").fill("Ketua PWI\nSekretaris PWI\nBendahara PWI")
    await page.get_by_label("Yang dibicarakan").fill("Pengenalan pengurus baru dan rencana kerja sama peliputan.")
    await page.get_by_label(re.compile("^Tindak lanjut")).fill("Pelatihan jurnalistik untuk ormas; Bidang Ormas Bakesbangpol")
    await look(page, "kegiatan-kunjungan")
    await page.get_by_role("button", name="Catat kunjungan").click()
    await expect(page.get_by_role("status")).to_contain_text("Kunjungan sudah dicatat")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Kunjungan silaturahmi Persatuan Wartawan Indonesia {tag}")
    await expect(page.locator(".heading .badge")).to_have_text("Selesai")
    await expect(page.locator("#hasil")).to_contain_text("Ketua PWI, Sekretaris PWI, Bendahara PWI")
    await expect(page.locator("#hasil table")).to_contain_text("Bidang Ormas Bakesbangpol")
    await expect(page.locator("#daftar-peserta")).to_contain_text("3 org")


async def test_the_2018_facilitation_days_are_recorded_with_their_attendance_by_hand(browser, platform, headers):
    region = "35.75"  # Kota Pasuruan
    tag = uuid.uuid4().hex[:5]
    op = headers("operator", region)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        ids = [(await create_ormas(reg, op, name=f"Ormas Fasilitasi 2018 {tag} {i}", kind="ormas", region=region))["id"]
               for i in (1, 2)]
    start = dt.datetime(2018, 4, 10, 1, 0, tzinfo=dt.UTC)
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:
        k = await create_kegiatan(ev, op, title=f"Fasilitasi Pemberdayaan Ormas dan LSM 2018 {tag}", region=region,
                                  starts_at=start.isoformat(), ends_at=(start + dt.timedelta(days=1, hours=7)).isoformat(),
                                  rsvp_cutoff=None, letter=None)
        await set_invitees_when_copied(ev, op, k["id"], {"ormas_ids": ids}, 2)
    page = await signed_in(browser, platform, await make_account(platform, headers, "operator", region))
    await page.goto(f"/kegiatan/{k['id']}")
    await expect(page.get_by_role("link", name="Terbitkan dan kirim undangan")).to_have_count(0)  # it is past
    await page.get_by_role("link", name="Catat sebagai sudah terlaksana").click()
    await expect(page.locator("main form")).to_contain_text("tanpa mengirim surat")
    await page.get_by_role("button", name="Catat sebagai sudah terlaksana").click()
    await expect(page.get_by_role("status")).to_contain_text("Isi daftar hadirnya")

    async def listed():
        await page.goto(f"/kegiatan/{k['id']}/kehadiran")
        return await page.locator("tbody tr").count() == 2 or None

    await eventually(listed, what="the recorded participants on the attendance form")
    await page.get_by_role("checkbox", name=f"Ormas Fasilitasi 2018 {tag} 1 10 April 2018").check()
    await page.get_by_role("checkbox", name=f"Ormas Fasilitasi 2018 {tag} 1 11 April 2018").check()
    await page.get_by_label("Nama", exact=True).fill("Ketua LPMK Bugul Kidul")
    await look(page, "kegiatan-daftar-hadir")
    await page.get_by_role("button", name="Simpan daftar hadir").click()
    await expect(page.get_by_role("status")).to_contain_text("Daftar hadir sudah disimpan")
    row = page.locator("#daftar-peserta tr", has_text=f"Ormas Fasilitasi 2018 {tag} 1")
    await expect(row).to_contain_text("10 April 2018")
    await expect(row).to_contain_text("11 April 2018")
    await expect(page.locator("#daftar-peserta")).to_contain_text("Ketua LPMK Bugul Kidul")
    await page.get_by_role("link", name="Selesaikan kegiatan").click()
    await page.get_by_role("button", name="Selesaikan kegiatan").click()
    await expect(page.locator(".heading .badge")).to_have_text("Selesai")


async def test_a_citys_report_goes_up_to_its_province_which_acknowledges_it(browser, platform, headers):
    city, province = "74.71", "74"  # Kota Kendari, Sulawesi Tenggara: no other test reports there
    period = dt.datetime.now(regions.ZONES["WITA"]).strftime("%Y-%m")
    page = await signed_in(browser, platform, await make_account(platform, headers, "head", city))
    await page.get_by_role("link", name="Laporan", exact=True).click()
    await page.get_by_label("Periode").fill(period)
    await page.get_by_role("button", name="Susun laporan").click()
    await expect(page.get_by_role("status")).to_contain_text("Laporan sedang disusun")
    send = page.get_by_role("button", name="Kirim ke Sulawesi Tenggara")
    await expect(send).to_be_visible(timeout=60_000)  # the progress bar is followed until the report is done
    await look(page, "laporan")
    await send.click()
    await expect(page.locator("#laporan-saya")).to_contain_text("Terkirim ke Sulawesi Tenggara, belum diterima")
    rid = f"{city}:{period}"
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=30) as rp:
        r = await rp.post(f"/reports/{rid}/submission", headers=headers("head", province))
        assert r.status_code == 403  # an office sends up its own reports only
        r = await rp.post(f"/reports/{rid}/acknowledgement", headers=headers("head", "73"))
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        assert rid not in [x["id"] for x in (await rp.get("/reports/inbox", headers=headers("head", "73"))).json()["items"]]

    prov = await signed_in(browser, platform, await make_account(platform, headers, "head", province))
    await expect(prov.get_by_text("Laporan masuk, belum ditandai diterima")).to_be_visible()
    await prov.get_by_role("link", name="Buka dan tandai diterima").click()
    row = prov.locator("#masuk tr", has_text="Kota Kendari")
    await row.get_by_role("button", name="Tandai diterima").click()
    await expect(prov.get_by_role("status")).to_contain_text("sudah ditandai diterima")
    await expect(prov.locator("#masuk tr", has_text="Kota Kendari")).to_contain_text("oleh")
    await page.reload()
    await expect(page.locator("#laporan-saya")).to_contain_text("Diterima Sulawesi Tenggara")


async def _new_kegiatan(page, *, title: str, type_: str, start: dt.datetime, end: dt.datetime, venue: str, region: str,
                        agenda: str = "") -> str:
    """Fills the kegiatan form (times in the venue's zone) with its letter; the new kegiatan's id."""
    await page.goto("/kegiatan/baru")
    await page.get_by_label("Nama kegiatan").fill(title)
    await page.get_by_label("Jenis kegiatan").select_option(type_)
    await page.get_by_label("Tanggal mulai").fill(start.date().isoformat())
    await page.get_by_label("Jam mulai").fill(f"{start:%H.%M}")
    await page.get_by_label("Tanggal selesai").fill(end.date().isoformat())
    await page.get_by_label("Jam selesai").fill(f"{end:%H.%M}")
    await page.get_by_label(re.compile(r"^Tempat\W*$")).fill(venue)
    await page.get_by_label("Kode wilayah tempat").fill(region)
    await page.get_by_label("Susunan acara").fill(agenda)
    await page.get_by_label("Nomor surat").fill(f"005/{uuid.uuid4().hex[:4]}/2026")
    await page.get_by_label("Nama penanda tangan").fill("Kepala Badan")
    await page.get_by_label("Jabatan penanda tangan").fill("Kepala Badan Kesbangpol")
    await page.get_by_role("button", name="Simpan dan lanjut ke undangan").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Siapa yang diundang")
    return re.search(r"/kegiatan/([^/]+)/undangan", page.url).group(1)


async def _publish_and_start(page, kid: str) -> None:
    await page.goto(f"/kegiatan/{kid}/tindakan/publish")
    publish = page.get_by_role("button", name="Terbitkan dan kirim undangan")
    await publish.scroll_into_view_if_needed()
    await publish.click()
    await expect(page.get_by_role("status")).to_contain_text("undangan sedang dikirim")

    async def startable():
        await page.goto(f"/kegiatan/{kid}")
        return await page.locator("#daftar-peserta tbody tr").count() > 0 or None  # the fan-out wrote them

    await eventually(startable, what="the invitations written")
    await page.get_by_role("link", name="Mulai kegiatan").click()
    await page.get_by_role("button", name="Mulai kegiatan").click()
    await expect(page.locator(".heading .badge")).to_have_text("Sedang berlangsung")


async def test_an_apel_with_guests_only_and_a_walk_in_at_the_door(browser, platform, headers):
    region = "63.72"  # Kota Banjarbaru
    tag = uuid.uuid4().hex[:5]
    page = await signed_in(browser, platform, await make_account(platform, headers, "operator", region))
    start = (dt.datetime.now(regions.ZONES["WITA"]) + dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    kid = await _new_kegiatan(page, title=f"Apel Kebangsaan {tag}", type_="apel", start=start,
                              end=start + dt.timedelta(hours=2), venue="Lapangan Murjani", region=region)
    await page.get_by_label("Undang semua ormas yang memenuhi aturan ini").uncheck()  # guests only
    await page.get_by_label("Satu tamu per baris").fill(
        f"Wali Kota Banjarbaru {tag}; Pejabat; Wali Kota; Pemkot Banjarbaru; walikota@{tag}.example.org;\n"
        f"Dandim {tag}; Pejabat; Dandim 1006; Kodim; ; 0812 3456 7001")
    await expect(page.locator("#hitungan")).to_contain_text("2 undangan: 0 ormas dan 2 tamu")
    await expect(page.locator("#hitungan")).to_contain_text("Surel 1, WhatsApp 1")
    await page.get_by_role("button", name="Simpan daftar undangan").click()
    await _publish_and_start(page, kid)
    await page.get_by_role("link", name="Buka meja registrasi").click()
    await page.set_viewport_size({"width": 390, "height": 800})
    await page.wait_for_function("() => document.querySelector('#q')['htmx-internal-data'] !== undefined")
    await page.get_by_label("Nama peserta atau utusan").fill(f"Dandim {tag}")
    await page.get_by_role("button", name=re.compile(f"Dandim {tag} — catat hadir")).click()
    await expect(page.locator("#count")).to_contain_text("Hadir: 1 dari 2")
    await page.get_by_label("Nama", exact=True).fill("Ketua Karang Taruna Loktabat")
    await page.get_by_label("Jumlah orang").fill("12")
    await page.get_by_role("button", name="Catat hadir tanpa undangan").click()
    await expect(page.locator("#msg")).to_contain_text("Ketua Karang Taruna Loktabat")
    await expect(page.locator("#count")).to_contain_text("Hadir: 2 dari 2")
    await look(page, "hadir-tanpa-undangan")


async def test_dki_three_day_training_checks_in_by_qr_on_its_first_day(browser, platform, headers, kafka):
    from tests.e2e.events_support import invitations

    region = "31.71"  # Kota Jakarta Pusat
    tag = uuid.uuid4().hex[:5]
    op = headers("operator", region)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        ids = [(await create_ormas(reg, op, name=f"Ormas Pelatihan {tag} {i}", kind="ormas", region=region,
                                   bidang=[f"latih{tag}"], email=f"l{i}@{tag}.example.org"))["id"] for i in range(3)]
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:
        probe = await create_kegiatan(ev, op, venue_region=region, region=region)
        await set_invitees_when_copied(ev, op, probe["id"], {"ormas_ids": ids}, 3)
    page = await signed_in(browser, platform, await make_account(platform, headers, "operator", region))
    start = (dt.datetime.now(regions.ZONES["WIB"]) + dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    kid = await _new_kegiatan(page, title=f"Pelatihan Tata Kelola Ormas {tag}", type_="pelatihan", start=start,
                              end=(start + dt.timedelta(days=2)).replace(hour=23, minute=59),  # three calendar days
                              venue="Hotel Grand Cempaka", region=region,
                              agenda="08.00-12.00 Tata kelola organisasi\nHari 2:\n08.00-12.00 Keuangan ormas\n"
                                     "Hari 3:\n08.00-11.00 Rencana tindak lanjut")
    await page.get_by_label("Bidang").fill(f"latih{tag}")
    await expect(page.locator("#hitungan")).to_contain_text("3 undangan: 3 ormas dan 0 tamu")
    await page.get_by_role("button", name="Simpan daftar undangan").click()
    await _publish_and_start(page, kid)
    await expect(page.locator(".panel", has_text="Susunan acara")).to_contain_text("Hari 3 · 08.00-11.00 Rencana tindak lanjut")
    invited = await invitations(kafka, platform.topic("events.participation"), kid, 3)
    change = invited[0]["data"]["change"]
    await page.goto(f"/kegiatan/{kid}/hadir")
    await expect(page.locator("#count")).to_contain_text("hari ke-1 dari 3")
    await page.get_by_label("Atau ketik/tempel kode QR").fill(change["short_url"])  # the letter's QR code
    await page.get_by_role("button", name="Catat hadir", exact=True).click()
    await expect(page.locator("#msg")).to_contain_text("Selamat datang")
    await expect(page.locator("#count")).to_contain_text("hari ke-1 dari 3: 1 peserta")
    # the same person again the same morning, with the QR code of the RSVP page
    await page.get_by_label("Atau ketik/tempel kode QR").fill(change["checkin_token"])
    await page.get_by_role("button", name="Catat hadir", exact=True).click()
    await expect(page.locator("#msg")).to_contain_text("Sudah hadir pukul")
    await expect(page.locator("#count")).to_contain_text("hari ke-1 dari 3: 1 peserta")


async def test_kota_pasuruans_facilitation_days_invite_70_ormas_with_a_valid_skt(browser, platform, headers):
    from tests.e2e.events_support import import_book

    region = "35.75"
    tag = f"fw{uuid.uuid4().hex[:6]}"
    today = dt.date.today()
    rows = [[f"Ormas {tag} {i:02d}", "Ormas" if i % 3 else "LSM", "Kota Pasuruan", f"Jl. Veteran {i}",
             f"sekretariat{i}@{tag}.or.id", f"0812{i:08d}", f"sosial; {tag}", f"220/{i}/423.202/2024",
             today - dt.timedelta(days=400 + i)] for i in range(70)]
    rows += [[f"Ormas {tag} lapsed {i}", "Ormas", "Kota Pasuruan", "", "", f"0813{i:08d}", tag,
              f"220/9{i}/423.202/2015", dt.date(2015, 1, 5)] for i in range(3)]
    rule = {"rule": {"bidang": [tag], "valid_skt_on": today.isoformat()}}
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=120) as reg:
        await import_book(reg, headers("admin", region), rows)
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:
        probe = await create_kegiatan(ev, headers("operator", region))
        await set_invitees_when_copied(ev, headers("operator", region), probe["id"], rule, 70)
    page = await signed_in(browser, platform, await make_account(platform, headers, "operator", region))
    start = (dt.datetime.now(regions.ZONES["WIB"]) + dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    kid = await _new_kegiatan(page, title=f"Fasilitasi Pemberdayaan Ormas dan LSM {tag}", type_="fasilitasi",
                              start=start, end=start + dt.timedelta(hours=7), venue="Rumah Makan Gedoeng Woloe",
                              region=region)
    await page.get_by_label("Bidang").fill(tag)
    await page.get_by_label("Hanya yang SKT-nya berlaku pada").fill(today.isoformat())
    await expect(page.locator("#hitungan")).to_contain_text("70 undangan: 70 ormas dan 0 tamu")  # not the lapsed ones
    await expect(page.locator("#hitungan")).to_contain_text("Surel 70, WhatsApp 0, SMS 0")
    await page.get_by_role("button", name="Simpan daftar undangan").click()
    await page.goto(f"/kegiatan/{kid}/tindakan/publish")
    await expect(page.get_by_role("status")).to_contain_text("70 undangan (70 ormas dan 0 tamu)")
    await _publish_and_start(page, kid)

    async def all_sent():
        await page.goto(f"/kegiatan/{kid}")
        return await page.locator("#daftar-peserta").get_by_text("Surel: terkirim").count() == 70 or None

    await eventually(all_sent, timeout=180, interval=2, what="70 letters sent, each shown on its participant's row")
    await page.goto(f"/kegiatan/{kid}/hadir")
    for n in ("03", "41"):
        await page.wait_for_function("() => document.querySelector('#q')['htmx-internal-data'] !== undefined")
        await page.get_by_label("Nama peserta atau utusan").fill(f"Ormas {tag} {n}")
        await page.get_by_role("button", name=re.compile(f"Ormas {tag} {n} — catat hadir")).click()
        await expect(page.locator("#msg")).to_contain_text(f"Ormas {tag} {n}")
    await expect(page.locator("#count")).to_contain_text("Hadir: 2 dari 70")
    await page.goto(f"/kegiatan/{kid}/tindakan/complete")
    await page.get_by_role("button", name="Selesaikan kegiatan").click()
    await expect(page.locator(".heading .badge")).to_have_text("Selesai")
    await expect(page.locator(".cards")).to_contain_text("2 hadir di tempat")


async def test_a_training_gives_a_certificate_to_who_came_every_day(browser, platform, headers):
    import io

    from pypdf import PdfReader

    region = "31.73"  # Kota Jakarta Barat
    tag = uuid.uuid4().hex[:5]
    op = headers("operator", region)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        ids = [(await create_ormas(reg, op, name=f"Ormas Sertifikat {tag} {i}", kind="ormas", region=region))["id"]
               for i in (1, 2)]
    start = dt.datetime(2019, 3, 11, 1, 0, tzinfo=dt.UTC)  # a three-day training recorded afterwards
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:
        k = await create_kegiatan(ev, op, title=f"Pelatihan Kepemimpinan Ormas {tag}", type="pelatihan", region=region,
                                  venue_region=region, starts_at=start.isoformat(),
                                  ends_at=(start + dt.timedelta(days=2, hours=8)).isoformat(), rsvp_cutoff=None)
        await set_invitees_when_copied(ev, op, k["id"], {"ormas_ids": ids}, 2)
        assert (await ev.post(f"/kegiatan/{k['id']}/transitions", json={"action": "record"}, headers=op)).status_code == 200

        async def written():
            items = (await ev.get(f"/kegiatan/{k['id']}/participants", headers=op)).json()["items"]
            return items if len(items) == 2 else None

        ps = {p["ormas_id"]: p["id"] for p in await eventually(written, what="the training's participants")}
        for day in ("2019-03-11", "2019-03-12", "2019-03-13"):  # the first every day, the second only once
            for oid in (ids if day == "2019-03-11" else ids[:1]):
                r = await ev.post(f"/kegiatan/{k['id']}/recorded-attendance", headers=op,
                                  json={"participant_id": ps[oid], "day": day})
                assert r.status_code == 201, r.text
        r = await ev.get(f"/kegiatan/{k['id']}/certificates", headers=op)
        assert r.json() == {"available": False, "items": []}  # not before it is completed
        assert (await ev.post(f"/kegiatan/{k['id']}/transitions", json={"action": "complete"}, headers=op)).status_code == 200
    page = await signed_in(browser, platform, await make_account(platform, headers, "operator", region))
    await page.goto(f"/kegiatan/{k['id']}")
    section = page.locator("#sertifikat")
    await expect(section).to_contain_text(f"Ormas Sertifikat {tag} 1")
    await expect(section).not_to_contain_text(f"Ormas Sertifikat {tag} 2")
    await look(page, "kegiatan-sertifikat")
    href = await section.get_by_role("link").first.get_attribute("href")
    pdf = await page.request.get(href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(await pdf.body())).pages[0].extract_text().split())
    assert "SERTIFIKAT" in text and f"Ormas Sertifikat {tag} 1" in text and "selama 3 hari" in text
    refused = await page.request.get(f"/kegiatan/{k['id']}/sertifikat/{ps[ids[1]]}")
    assert refused.status == 404  # present one day of three: no certificate
    # anyone holding it checks it on the public verification page its QR code opens
    certificate = await pdf.body()
    (verify,) = qr_codes(certificate)
    assert verify.startswith(platform.urls["web"] + "/verifikasi/")
    public = await (await browser.new_context(base_url=platform.urls["web"])).new_page()
    await public.goto(verify)
    facts = public.get_by_label("Dokumen")
    await expect(facts).to_contain_text("Sertifikat kehadiran")
    await expect(facts).to_contain_text(f"Pelatihan Kepemimpinan Ormas {tag}")
    await expect(facts).not_to_contain_text(f"Ormas Sertifikat {tag} 1")  # the name masked
    await public.get_by_label("Berkas PDF").set_input_files(
        files=[{"name": "sertifikat.pdf", "mimeType": "application/pdf", "buffer": certificate}])
    await public.get_by_role("button", name="Periksa berkas").click()
    await expect(public.locator("#hasil")).to_contain_text("Asli.")
    await look(public, "verifikasi-asli")
    changed = certificate.replace(b"/MediaBox [0 0 841.89 595.28]", b"/MediaBox [0 0 841.89 595.29]", 1)
    assert changed != certificate
    await public.get_by_label("Berkas PDF").set_input_files(
        files=[{"name": "sertifikat.pdf", "mimeType": "application/pdf", "buffer": changed}])
    await public.get_by_role("button", name="Periksa berkas").click()
    await expect(public.locator("#hasil")).to_contain_text("Tidak cocok.")
    await expect(public.locator("#hasil")).to_contain_text("diubah setelah ditandatangani")
    await look(public, "verifikasi-diubah")
    await public.goto("/verifikasi")
    await public.get_by_label("Kode verifikasi").fill("salah")
    await public.get_by_role("button", name="Periksa").click()
    await expect(public.locator("#kode-error")).to_contain_text("10 huruf dan angka")
    await public.get_by_label("Kode verifikasi").fill(verify.rsplit("/", 1)[1].lower())
    await public.get_by_role("button", name="Periksa").click()
    await expect(public.get_by_label("Dokumen")).to_contain_text("Sertifikat kehadiran")

    # the ormas present every day finds its certificate in the portal, numbered as the office's list
    # numbers it; the other finds none, and may not fetch the first's
    listed = {c["id"]: c["number"] for c in (await (await page.request.get(
        f"{platform.urls['events']}/kegiatan/{k['id']}/certificates",
        headers=headers("operator", region))).json())["items"]}
    officers = {}
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        for oid in ids:
            invitation = (await reg.post(f"/ormas/{oid}/account", json={"full_name": "Sekretaris"}, headers=op)).json()
            r = await reg.post("/auth/activation", json={"token": invitation["activation_url"].rsplit("/", 1)[1],
                                                          "password": PASSWORD})
            assert r.status_code == 200, r.text
            officers[oid] = invitation["username"]
    first = await signed_in(browser, platform, officers[ids[0]], home=r"/portal$")
    section = first.locator("section", has=first.get_by_role("heading", name="Sertifikat kehadiran"))

    async def listed_in_portal():
        await first.goto("/portal")
        return await section.get_by_role("link").count() == 1 or None

    await eventually(listed_in_portal, timeout=30, interval=0.5, what="the certificate in the portal")
    figures = first.locator("section", has=first.get_by_role("heading", name="Data ormas di kantor Kesbangpol"))

    async def counted():  # reporting's figures of its own ormas
        await first.goto("/portal")
        return "Diundang ke 1 kegiatan, menyatakan hadir 0, hadir 1." in await figures.inner_text() or None

    await eventually(counted, timeout=30, interval=0.5, what="the ormas's own figures in the portal")
    await expect(section).to_contain_text(listed[ps[ids[0]]])
    card = first.locator("article", has_text=k["title"])  # the invitation says what happened, not "unanswered"
    await expect(card).to_contain_text("Tercatat hadir")
    await expect(card).not_to_contain_text("Belum menjawab")
    await look(first, "portal-sertifikat")
    own = await first.request.get(await section.get_by_role("link").get_attribute("href"))
    text = " ".join(PdfReader(io.BytesIO(await own.body())).pages[0].extract_text().split())
    assert own.status == 200 and f"Ormas Sertifikat {tag} 1" in text and listed[ps[ids[0]]] in text
    second = await signed_in(browser, platform, officers[ids[1]], home=r"/portal$")
    await expect(second.locator("section", has=second.get_by_role("heading", name="Sertifikat kehadiran"))).to_contain_text(
        "Sertifikat tersedia setelah pelatihan selesai")
    assert (await second.request.get(f"/portal/sertifikat/{ps[ids[0]]}")).status == 404
