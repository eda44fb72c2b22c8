"""The ormas portal: the office invites an officer of one of its ormas, who activates the account
from the link, signs in, sees its own ormas and only its own invitations, answers one, and reports
potential conflict as the ormas. An ormas account's token reaches nothing of the office's: every
other route of every service answers 403, and another ormas's invitation looks like none."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import httpx
import jwt
import pytest
from playwright.async_api import expect

from tests.e2e.earlywarning_support import report_body
from tests.e2e.events_support import create_kegiatan, create_ormas, set_invitees_when_copied, step
from tests.e2e.web_support import look, make_account, signed_in
from tests.helpers import eventually

pytestmark = pytest.mark.e2e
REGION = "36.71"  # Kota Tangerang: no other test records there
PASSWORD = "sandi-pengurus-ormas-2026"


async def _invited(platform, headers, tag: str):
    op = headers("operator", REGION)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        a = await create_ormas(reg, op, name=f"Forum Pemuda Tangerang {tag}", kind="ormas", region=REGION,
                               whatsapp="081299912345")
        b = await create_ormas(reg, op, name=f"Lembaga Lain Tangerang {tag}", kind="lsm", region=REGION)
        r = await reg.post(f"/ormas/{a['id']}/account", json={"full_name": "Sekretaris Forum"}, headers=op)
        assert r.status_code == 201, r.text
    return a, b, r.json()


async def _token(reg: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await reg.post("/auth/token", data={"username": username, "password": password})


async def test_an_ormas_account_reaches_its_own_ormas_and_invitations_only(platform, headers):
    tag = uuid.uuid4().hex[:6]
    a, b, invitation = await _invited(platform, headers, tag)
    link_token = invitation["activation_url"].rsplit("/", 1)[1]
    assert invitation["activation_url"].startswith(platform.urls["web"] + "/portal/aktivasi/")
    op = headers("operator", REGION)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        assert (await _token(reg, invitation["username"], PASSWORD)).status_code == 401  # not active yet
        r = await reg.post("/auth/activation", json={"token": link_token, "password": "pendek"})
        assert r.status_code == 422
        r = await reg.post("/auth/activation", json={"token": link_token, "password": PASSWORD})
        assert r.status_code == 200 and r.json() == {"username": invitation["username"]}, r.text
        r = await reg.post("/auth/activation", json={"token": link_token, "password": PASSWORD})
        assert r.status_code == 410 and r.headers["content-type"] == "application/problem+json"  # once
        r = await _token(reg, invitation["username"], PASSWORD)
        assert r.status_code == 200, r.text
        access = r.json()["access_token"]
        claims = jwt.decode(access, options={"verify_signature": False})
        assert claims["role"] == "ormas" and claims["ormas_id"] == a["id"] and claims["region"] == REGION
        me = {"Authorization": f"Bearer {access}"}
        own = await reg.get("/portal/ormas", headers=me)
        assert own.status_code == 200 and own.json()["id"] == a["id"]
        assert (await reg.get("/portal/ormas", headers=op)).status_code == 403  # the office's staff have no portal
        r = await reg.patch(f"/users/{invitation['username']}", json={"role": "operator"}, headers=headers("admin", REGION))
        assert r.status_code == 409  # an ormas account never becomes staff

    # nothing of the office's answers an ormas account, its own ormas's record included
    office_reads = [("registry", f"/ormas/{a['id']}"), ("registry", f"/ormas/{b['id']}"), ("registry", "/ormas"),
                    ("registry", "/users"), ("events", "/kegiatan"), ("notifications", "/skt-notices"),
                    ("reporting", "/stats/ormas"), ("earlywarning", "/reports"), ("earlywarning", "/team")]
    async with httpx.AsyncClient(timeout=30) as http:
        for service, path in office_reads:
            r = await http.get(platform.urls[service] + path, headers=me)
            assert r.status_code == 403, (service, path, r.status_code)
        r = await http.post(platform.urls["registry"] + "/ormas", json={"name": "Ormas Titipan", "kind": "ormas",
                                                                        "region": REGION}, headers=me)
        assert r.status_code == 403

    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:
        k = await create_kegiatan(ev, op, title=f"Silaturahmi Ormas Tangerang {tag}", venue_region=REGION, region=REGION,
                                  seats_per_ormas=2)
        await set_invitees_when_copied(ev, op, k["id"], {"ormas_ids": [a["id"], b["id"]]}, 2)
        assert (await step(ev, op, k["id"], "publish")).status_code == 200

        async def mine():
            r = await ev.get("/portal/invitations", headers=me)
            assert r.status_code == 200, r.text
            return r.json() or None

        invitations = await eventually(mine, timeout=60, what="the ormas's invitation")
        assert [i["kegiatan_id"] for i in invitations] == [k["id"]] and invitations[0]["participant"] == a["name"]
        r = await ev.post(f"/portal/invitations/{invitations[0]['participant_id']}/answer", headers=me,
                          json={"attending": True, "delegates": ["Sekretaris Forum", "Bendahara Forum"]})
        assert r.status_code == 200, r.text
        assert r.json()["attending"] is True and r.json()["delegates"] == ["Sekretaris Forum", "Bendahara Forum"]
        participants = (await ev.get(f"/kegiatan/{k['id']}/participants", headers=op)).json()["items"]
        answered = {p["ormas_id"]: p.get("attending") for p in participants}
        assert answered == {a["id"]: True, b["id"]: None}
        other = f"{k['id']}:{b['id']}"
        r = await ev.post(f"/portal/invitations/{other}/answer", headers=me, json={"attending": False})
        assert r.status_code == 404  # another ormas's invitation looks like none

    async with httpx.AsyncClient(base_url=platform.urls["earlywarning"], timeout=30) as ew:
        body = {k2: v for k2, v in report_body(location_code="36.71.01").items() if k2 != "source_kind"}
        r = await ew.post("/reports", json=body, headers=me)
        assert r.status_code == 201, r.text
        seen = (await ew.get(f"/reports/{r.json()['id']}", headers=headers("verifier", REGION))).json()
        assert seen["source_kind"] == "ormas" and seen["reporter"]["ormas_id"] == a["id"]
        r = await ew.post("/reports", json={**body, "location_code": "35.75.01"}, headers=me)
        assert r.status_code == 404  # about its own region only


async def test_ormas_report_their_activities_and_the_office_reminds_the_late_ones(platform, headers):
    tag = uuid.uuid4().hex[:6]
    op = headers("operator", REGION)
    period = f"{dt.date.today().year}-S{1 if dt.date.today().month <= 6 else 2}"
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        made = []
        for i, name in enumerate((f"Yayasan Peduli Tangerang {tag}", f"Perkumpulan Diam Tangerang {tag}")):
            made.append(await create_ormas(reg, op, name=name, kind="ormas", region=REGION, legal_form="yayasan",
                                           decree_number=f"AHU-00{i}{uuid.uuid4().int % 10**5:05d}.AH.01.04.2020",
                                           email=f"ketua{i}.{tag}@ormas.example.org"))
        a, b = made
        assert a["status"] == "legal_entity"
        r = await reg.post(f"/ormas/{a['id']}/account", json={"full_name": "Ketua Yayasan"}, headers=op)
        await reg.post("/auth/activation", json={"token": r.json()["activation_url"].rsplit("/", 1)[1],
                                                  "password": PASSWORD})
        me = {"Authorization": f"Bearer {(await _token(reg, r.json()['username'], PASSWORD)).json()['access_token']}"}
        first, _ = (dt.date.fromisoformat(f"{period[:4]}-{'01' if period.endswith('1') else '07'}-01"), None)
        body = {"period": period, "people_reached": 250, "funding_sources": ["iuran_anggota", "swasta"],
                "activities": [{"date": first.isoformat(), "title": "Bakti sosial", "people": 80},
                               {"date": (first + dt.timedelta(days=40)).isoformat(), "title": "Pelatihan kader"}]}
        r = await reg.post("/portal/activity-reports", json={**body, "activities": [
            {"date": (first - dt.timedelta(days=1)).isoformat(), "title": "Sebelum semester"}]}, headers=me)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "activities.0.date"
        r = await reg.post("/portal/activity-reports", json=body, headers=me)
        assert r.status_code == 201, r.text
        assert (await reg.get("/portal/activity-reports", headers=me)).json()[0]["activities"] == 2
        status = (await reg.get("/activity-reports", params={"period": period}, headers=op)).json()
        mine = {i["ormas_id"]: i for i in status["items"]}
        assert mine[a["id"]]["report"]["people_reached"] == 250 and mine[b["id"]]["report"] is None
        full = (await reg.get(f"/activity-reports/{a['id']}/{period}", headers=headers("analyst", "36"))).json()
        assert [x["title"] for x in full["activities"]] == ["Bakti sosial", "Pelatihan kader"]
        r = await reg.post("/activity-reports/reminders", json={"period": period}, headers=op)
        assert r.status_code == 200 and r.json()["reminded"] >= 1
        assert (await reg.post("/activity-reports/reminders", json={"period": period}, headers=op)).json()["reminded"] == 0
        r = await reg.post("/activity-reports/reminders", json={"period": period, "region": REGION},
                           headers=headers("operator", "35.75"))
        assert r.status_code == 404  # another office's ormas are not its to remind

    # the late one is reminded by notifications, once; reporting counts the compliance, rolled up
    message_id = f"act:{b['id']}:{period}:activity_report_due:email"
    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=30) as nt:
        async def sent():
            r = await nt.get(f"/messages/{message_id}", headers=op)
            return r.json() if r.status_code == 200 and r.json()["status"] in ("sent", "delivered") else None
        await eventually(sent, timeout=60, what="the reminder of the missing activity report")
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=30) as rp:
        async def counted():
            s = (await rp.get("/stats/activity-reports", params={"period": period, "region": "36"},
                              headers=headers("analyst", "36"))).json()
            child = s["by_child"].get(REGION) or {}
            return s if child.get("reported", 0) >= 1 and child.get("expected", 0) >= 2 else None
        stats = await eventually(counted, timeout=60, what="reporting to count the activity reports")
        assert stats["region"] == "36" and 0 < stats["rate"] <= 1


async def test_an_ormas_asks_for_new_contacts_and_board_and_the_office_decides(browser, platform, headers):
    tag = uuid.uuid4().hex[:6]
    a, _, invitation = await _invited(platform, headers, tag)
    op = headers("operator", REGION)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        await reg.post("/auth/activation", json={"token": invitation["activation_url"].rsplit("/", 1)[1],
                                                  "password": PASSWORD})
        me = {"Authorization": f"Bearer {(await _token(reg, invitation['username'], PASSWORD)).json()['access_token']}"}
        r = await reg.post("/portal/change-requests", headers=me, json={"officers": [
            {"name": "Ketua Baru", "position": "ketua", "nik": "123"}]})
        assert r.status_code == 422  # a board the office could not record is refused at once
        r = await reg.post("/portal/change-requests", headers=me, json={})
        assert r.status_code == 422
    officer = await (await browser.new_context(base_url=platform.urls["web"])).new_page()
    await officer.goto("/masuk")
    await officer.get_by_label("Nama pengguna").fill(invitation["username"])
    await officer.get_by_label("Kata sandi").fill(PASSWORD)
    await officer.get_by_role("button", name="Masuk").click()
    await officer.get_by_role("link", name="Ajukan perubahan kontak atau pengurus").click()
    await officer.get_by_label("Surel").fill(f"sekretariat.{tag}@forum.example.org")
    for i, (name, position, nik) in enumerate([("Ahmad Fauzi", "Ketua", "3671011505900001"),
                                               ("Siti Rahma", "Sekretaris", "3671015606920002"),
                                               ("Budi Santoso", "Bendahara", "3671012003850003")]):
        await officer.get_by_label(f"Nama pengurus {i + 1}").fill(name)
        await officer.get_by_label(f"Jabatan pengurus {i + 1}").select_option(label=position)
        await officer.get_by_label(f"NIK pengurus {i + 1}").fill(nik)
    await officer.get_by_label("Dasar perubahan").fill("Musyawarah anggota 2026")
    await look(officer, "portal-perubahan")
    await officer.get_by_role("button", name="Ajukan perubahan").click()
    await expect(officer.get_by_text("Permohonan perubahan terkirim dan menunggu persetujuan kantor.")).to_be_visible()
    await expect(officer.get_by_text("Menunggu persetujuan", exact=True)).to_be_visible()
    await expect(officer.get_by_text("3671011505900001")).to_have_count(0)  # NIKs are never shown back whole

    office = await signed_in(browser, platform, await make_account(platform, headers, "operator", REGION))
    await expect(office.get_by_text("permohonan menunggu persetujuan")).to_be_visible()
    await office.get_by_role("link", name="Periksa dan putuskan").click()
    card = office.locator("article", has_text=a["name"])
    await expect(card).to_contain_text("Ahmad Fauzi")
    await expect(card).to_contain_text("3671********0001")
    await look(office, "ormas-perubahan")
    await card.get_by_role("button", name="Setujui").click()
    await expect(office.get_by_text("Permohonan disetujui.")).to_be_visible()
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        record = (await reg.get(f"/ormas/{a['id']}", headers=op)).json()
        assert record["email"] == f"sekretariat.{tag}@forum.example.org"
        board = (await reg.get(f"/ormas/{a['id']}/officers", headers=op)).json()
        assert [o["name"] for o in board["officers"]] == ["Ahmad Fauzi", "Siti Rahma", "Budi Santoso"]
        history = (await reg.get(f"/ormas/{a['id']}/history", headers=op)).json()["entries"]
        assert any("portal" in (h.get("reason") or "") for h in history)  # the board history says where it came from
        asked = (await reg.get("/portal/change-requests", headers=me)).json()
        assert asked[0]["status"] == "approved"
        decided = await reg.post(f"/change-requests/{asked[0]['id']}/decision", json={"approve": False}, headers=op)
        assert decided.status_code == 409  # decided once


async def test_an_ormas_asks_to_renew_its_registration_and_a_verifier_renews_it(platform, headers):
    tag = uuid.uuid4().hex[:6]
    a, _, invitation = await _invited(platform, headers, tag)
    op, verifier, admin = headers("operator", REGION), headers("verifier", REGION), headers("admin", REGION)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        async def step(who, action, **kw):
            r = await reg.post(f"/ormas/{a['id']}/transitions", json={"action": action, **kw}, headers=who)
            assert r.status_code == 200, r.text
            return r.json()

        for who, action, kw in ((op, "start_application", {}), (op, "submit", {}), (verifier, "start_verification", {}),
                                (verifier, "check_documents", {"documents_complete": True}),
                                (verifier, "record_field_visit", {"field_visit_outcome": "sesuai", "visited_on": "2026-11-20"}),
                                (verifier, "register", {})):
            first = await step(who, action, **kw)
        await reg.post("/auth/activation", json={"token": invitation["activation_url"].rsplit("/", 1)[1],
                                                  "password": PASSWORD})
        me = {"Authorization": f"Bearer {(await _token(reg, invitation['username'], PASSWORD)).json()['access_token']}"}
        r = await reg.post("/portal/change-requests", json={"renewal": True}, headers=me)
        assert r.status_code == 409  # registered for years yet: nothing to renew
        await step(admin, "mark_expiring", days_left=30)
        r = await reg.post("/portal/change-requests", json={"renewal": True}, headers=me)
        assert r.status_code == 201 and r.json()["kind"] == "renewal", r.text
        assert (await reg.post("/portal/change-requests", json={"renewal": True}, headers=me)).status_code == 409  # once
        renewal = r.json()["id"]
        r = await reg.post(f"/change-requests/{renewal}/decision", json={"approve": True}, headers=op)
        assert r.status_code == 403  # an operator edits the book; registering is a verifier's
        r = await reg.post(f"/change-requests/{renewal}/decision", json={"approve": True}, headers=verifier)
        assert r.status_code == 200 and r.json()["status"] == "approved", r.text
        renewed = (await reg.get(f"/ormas/{a['id']}", headers=op)).json()
        assert renewed["status"] == "registered" and renewed["skt"]["number"] != first["skt"]["number"]


async def test_an_officer_activates_the_portal_and_answers_an_invitation_in_the_browser(browser, platform, headers):
    tag = uuid.uuid4().hex[:6]
    op_headers = headers("operator", REGION)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        ormas = await create_ormas(reg, op_headers, name=f"Paguyuban Warga Tangerang {tag}", kind="ormas",
                                   region=REGION, whatsapp="081299954321")
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:
        start = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        k = await create_kegiatan(ev, op_headers, title=f"Dialog Kebangsaan Tangerang {tag}", venue_region=REGION,
                                  region=REGION, starts_at=start.isoformat(),
                                  ends_at=(start + dt.timedelta(hours=4)).isoformat(),
                                  rsvp_cutoff=(start - dt.timedelta(days=1)).isoformat())
        await set_invitees_when_copied(ev, op_headers, k["id"], {"ormas_ids": [ormas["id"]]}, 1)
        assert (await step(ev, op_headers, k["id"], "publish")).status_code == 200

    office = await signed_in(browser, platform, await make_account(platform, headers, "operator", REGION))
    await office.goto(f"/ormas/{ormas['id']}")
    await office.get_by_label("Nama pengurus yang memakai portal").fill("Ketua Paguyuban")
    await office.get_by_role("button", name="Buat tautan aktivasi").click()
    await expect(office.get_by_text("Akun portal dibuat.")).to_be_visible()
    link = await office.locator("dd a").first.get_attribute("href")
    username = (await office.locator("dd strong").first.inner_text()).strip()
    assert "wa.me/6281299954321" in (await office.get_by_role("link", name="Kirim lewat WhatsApp").get_attribute("href"))
    await look(office, "portal-undang")

    context = await browser.new_context(base_url=platform.urls["web"], viewport={"width": 390, "height": 900})
    officer = await context.new_page()
    await officer.goto(link)
    await look(officer, "portal-aktivasi")
    await officer.get_by_label("Kata sandi baru").fill(PASSWORD)
    await officer.get_by_label("Ulangi kata sandi").fill(PASSWORD)
    await officer.get_by_role("button", name="Aktifkan akun").click()
    await expect(officer.get_by_text("Akun portal Anda sudah aktif.")).to_be_visible()
    await officer.get_by_label("Nama pengguna").fill(username)
    await officer.get_by_label("Kata sandi").fill(PASSWORD)
    await officer.get_by_role("button", name="Masuk").click()
    await expect(officer).to_have_url(re.compile(r"/portal$"))
    await expect(officer.get_by_role("heading", name=ormas["name"])).to_be_visible()
    card = officer.locator("article", has_text=k["title"])
    await expect(card).to_contain_text("Belum menjawab")
    await look(officer, "portal")
    await card.get_by_label("Nama utusan 1").fill("Ketua Paguyuban")
    await card.get_by_role("button", name="Kirim jawaban").click()
    await expect(officer.get_by_text("Jawaban Anda sudah terkirim ke panitia.")).to_be_visible()
    await expect(officer.locator("article", has_text=k["title"])).to_contain_text("Hadir (Ketua Paguyuban)")
    await officer.goto("/ormas")  # the office's pages are not the officer's
    await expect(officer.get_by_role("heading", name=re.compile("tidak|Tidak"))).to_be_visible()
    await officer.goto("/portal/lapor")
    await look(officer, "portal-lapor")
    await officer.goto("/portal")
    await officer.get_by_role("link", name="Kirim laporan kegiatan").click()
    await officer.get_by_label("Tanggal kegiatan 1").fill(dt.date.today().isoformat())
    await officer.get_by_label("Nama kegiatan 1").fill("Kerja bakti lingkungan")
    await officer.get_by_label("Jumlah peserta 1").fill("45")
    await officer.get_by_label("Jumlah penerima manfaat seluruhnya").fill("120")
    await officer.get_by_label("Iuran anggota").check()
    await look(officer, "portal-laporan-kegiatan")
    await officer.get_by_role("button", name="Kirim laporan kegiatan").click()
    await expect(officer.get_by_text("Laporan kegiatan sudah terkirim ke kantor Kesbangpol.")).to_be_visible()
    await expect(officer.get_by_text("1 kegiatan, 120 penerima manfaat")).to_be_visible()
    await office.goto("/ormas")
    await office.get_by_role("link", name="Laporan kegiatan ormas").click()
    await expect(office.get_by_role("heading", name=re.compile("Laporan kegiatan ormas"))).to_be_visible()
    await look(office, "laporan-kegiatan-ormas")
