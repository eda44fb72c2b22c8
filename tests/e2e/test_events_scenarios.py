"""The articles' kegiatan, end to end through the registry and the events service as an office runs
them: ormas recorded in the registry, the events service's copy fed by ``registry.ormas``, the
kegiatan published, invitations on ``events.participation``, answers through the public RSVP link,
check-in by QR code or name, outcomes, completion.

Each scenario runs now (a kegiatan in the past can be neither published nor checked into), with the
shape the article gives: days, venue and its zone, number of ormas and people, seats per ormas."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.events_support import (
    create_kegiatan,
    create_ormas,
    dashboard_agrees,
    events_of,
    import_book,
    invitations,
    now,
    report_lists,
    rsvp_api,
    set_invitees_when_copied,
    step,
)
from tests.helpers import eventually

pytestmark = pytest.mark.e2e
BULAN = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember".split()


@pytest.fixture()
async def clients(platform):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg, \
            httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as ev:
        yield reg, ev


async def test_kota_pasuruan_facilitation_days_70_participants_one_officer_per_ormas(platform, clients, headers, kafka):
    """Article 000: Bakesbangpol Kota Pasuruan's fasilitasi pemberdayaan ormas dan LSM, two days at
    Rumah Makan Gedoeng Woloe, 70 participants: one officer of each ormas holding a valid SKT."""
    reg, ev = clients
    op = headers("operator", "35.75")
    tag = f"fas{uuid.uuid4().hex[:6]}"
    today = dt.date.today()
    rows = [[f"Ormas {tag} {i:02d}", "Ormas" if i % 3 else "LSM", "Kota Pasuruan", f"Jl. Veteran {i}",
             f"sekretariat{i}@{tag}.or.id", f"0812{i:08d}", f"sosial; {tag}", f"220/{i}/423.202/2024",
             today - dt.timedelta(days=400 + i)] for i in range(70)]
    rows += [[f"Ormas {tag} lapsed {i}", "Ormas", "Kota Pasuruan", "Jl. Soekarno Hatta", "", f"0813{i:08d}",
              tag, f"220/9{i}/423.202/2015", dt.date(2015, 1, 5)] for i in range(3)]
    rows += [[f"Ormas {tag} unregistered {i}", "Ormas", "Kota Pasuruan", "", "", "", tag, "", None] for i in range(2)]
    await import_book(reg, headers("admin", "35.75"), rows)  # a book with SKTs: an admin imports it

    k = await create_kegiatan(ev, op, seats_per_ormas=1, capacity=100,
                              starts_at=(now() + dt.timedelta(hours=2)).isoformat(),
                              ends_at=(now() + dt.timedelta(days=1, hours=10)).isoformat(),
                              speakers=[{"name": "Drs. H. Setiyono, M.Si", "position": "Walikota Pasuruan"},
                                        {"name": "Kepala Bakesbangpol Provinsi Jawa Timur"}],
                              agenda=[{"title": "Pembukaan oleh Walikota", "time": "08.00", "day": 1},
                                      {"title": "Penyajian materi dan diskusi", "time": "09.00", "day": 1}])
    kid = k["id"]
    assert k["organiser"]["name"] == "Badan Kesatuan Bangsa dan Politik Kota Pasuruan"
    assert k["venue"]["zone"] == "WIB" and k["status"] == "draft"
    preview = await set_invitees_when_copied(ev, op, kid, {"rule": {"bidang": [tag], "valid_skt_on": today.isoformat()}}, 70)
    assert preview["count"] == 70 and all(tag in s["name"] and "lapsed" not in s["name"] for s in preview["sample"])

    r = await step(ev, op, kid, "publish")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published" and r.json()["invited"] == 70
    invited = await invitations(kafka, platform.topic("events.participation"), kid, 70)
    by_pid = {e["data"]["participant_id"]: e for e in invited}
    assert len(by_pid) == 70
    one = next(iter(by_pid.values()))["data"]
    assert one["change"]["recipient"]["email"].startswith("sekretariat") and one["change"]["recipient"]["whatsapp"] is None
    assert one["change"]["recipient"]["phone"].startswith("+62812")
    assert one["change"]["kegiatan"]["venue"] == {"name": "Rumah Makan Gedoeng Woloe", "address": None, "region": "35.75",
                                                  "region_name": "Kota Pasuruan", "zone": "WIB", "timezone": "Asia/Jakarta"}
    assert one["change"]["kegiatan"]["letter"]["subject"] == "Undangan" and one["change"]["reachable"]
    published = await events_of(kafka, platform.topic("events.kegiatan"), kid, "kegiatan.published", 1)
    assert published[0]["data"]["change"] == {"invited": 70}

    # every ormas answers through its own link: one officer each; a second name is one too many
    first = rsvp_api(one["change"]["rsvp_url"])
    too_many = await ev.post(first, json={"attending": True, "delegates": ["Budi", "Siti"]})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "delegates"
    for i, e in enumerate(by_pid.values()):
        r = await ev.post(rsvp_api(e["data"]["change"]["rsvp_url"]), json={"attending": True, "delegates": [f"Pengurus {i}"]})
        assert r.status_code == 200, r.text
        assert r.json()["attending"] is True and r.json()["checkin_qr_svg"].startswith("<svg")
    att = (await ev.get(f"/kegiatan/{kid}/attendance", headers=op)).json()
    assert (att["invited"], att["attending"], att["not_answered"], att["delegates_announced"]) == (70, 70, 0, 70)

    # the first day: everyone's QR code is scanned once; a second scan says when they came
    assert (await step(ev, op, kid, "start")).json()["status"] == "ongoing"
    for e in by_pid.values():
        r = await ev.post(f"/kegiatan/{kid}/check-ins", json={"token": e["data"]["change"]["checkin_token"]}, headers=op)
        assert r.status_code == 200 and r.json()["already"] is False and r.json()["message"].startswith("Selamat datang")
    again = await ev.post(f"/kegiatan/{kid}/check-ins", json={"token": one["change"]["checkin_token"]}, headers=op)
    assert again.status_code == 200 and again.json()["already"] is True
    assert again.json()["message"].startswith("Sudah hadir pukul ") and again.json()["message"].endswith(" WIB")
    att = (await ev.get(f"/kegiatan/{kid}/attendance", headers=op)).json()
    assert att["checked_in"] == 70 and list(att["by_day"].values()) == [{"participants": 70, "people": 70}]
    checked = await events_of(kafka, platform.topic("events.participation"), kid, "participation.checked_in", 70)
    assert len({e["data"]["participant_id"] for e in checked}) == 70  # the repeated scan raised nothing

    done = await step(ev, op, kid, "complete")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    completed = await events_of(kafka, platform.topic("events.kegiatan"), kid, "kegiatan.completed", 1)
    c = completed[0]["data"]["change"]
    assert (c["invited"], c["attending"], c["checked_in"], c["people_present"]) == (70, 70, 70, 70)
    figures = await dashboard_agrees(platform, op, kid)  # the dashboard counts what happened
    assert figures["participation"]["checked_in"] == 70 and figures["deliveries"] == {"email": {"sent": 70}}
    line, _ = await report_lists(platform, op, k, c)  # and so does the city's monthly report
    assert line[1] == k["title"] and line[3] == "Rumah Makan Gedoeng Woloe, Kota Pasuruan" and line[4] == "Selesai"


async def test_dki_jakarta_training_39_ormas_about_100_people_three_days_in_bogor(platform, clients, headers, kafka):
    """Article 004: Bakesbangpol Provinsi DKI Jakarta trains 39 ormas, about 100 participants, for
    three days at Hotel Grand Cempaka, Puncak, Bogor — a venue in another province."""
    reg, ev = clients
    op = headers("operator", "31")
    tag = uuid.uuid4().hex[:6]
    ids = []
    for i in range(39):
        o = await create_ormas(reg, op, name=f"Ormas Jakarta {tag} {i:02d}", kind="ormas", region="31",
                               scope="provinsi", email=f"dpd{i}@{tag}.or.id", whatsapp=f"0813{i:08d}")
        ids.append(o["id"])
    start = now() + dt.timedelta(hours=1)
    k = await create_kegiatan(
        ev, op, title="Pelatihan Peningkatan Peran Ormas Angkatan II", type="pelatihan",
        theme="Peningkatan Peran Organisasi Kemasyarakatan Dalam Pembangunan dan Menjaga Keutuhan NKRI",
        venue_name="Hotel Grand Cempaka", venue_address="Jl. Raya Puncak", venue_region="32.01",
        starts_at=start.isoformat(), ends_at=(start + dt.timedelta(days=2, hours=9)).isoformat(), seats_per_ormas=3,
        letter={"number": f"005/{tag}/-1.71", "nature": "Segera", "attachment": "1 (satu) berkas", "subject": "Undangan Pelatihan",
                "signatory_name": "Taufan Bakri", "signatory_title": "Plt. Kepala Badan Kesbangpol Provinsi DKI Jakarta"})
    kid = k["id"]
    assert k["organiser"]["name"] == "Badan Kesatuan Bangsa dan Politik Provinsi Daerah Khusus Ibukota Jakarta"
    assert k["venue"]["region"] == "32.01"
    await set_invitees_when_copied(ev, op, kid, {"ormas_ids": ids}, 39)
    assert (await step(ev, op, kid, "publish")).status_code == 200
    invited = await invitations(kafka, platform.topic("events.participation"), kid, 39)
    assert {e["data"]["change"]["seats"] for e in invited} == {3}
    assert invited[0]["data"]["change"]["kegiatan"]["venue"]["region_name"] == "Kabupaten Bogor"
    # 22 ormas send three people, 17 send two: 100 participants
    for i, e in enumerate(sorted(invited, key=lambda e: e["data"]["name"])):
        names = [f"Peserta {i}-{j}" for j in range(3 if i < 22 else 2)]
        r = await ev.post(rsvp_api(e["data"]["change"]["rsvp_url"]), json={"attending": True, "delegates": names})
        assert r.status_code == 200, r.text
    four = await ev.post(rsvp_api(invited[0]["data"]["change"]["rsvp_url"]),
                         json={"attending": True, "delegates": ["A", "B", "C", "D"]})
    assert four.status_code == 422
    att = (await ev.get(f"/kegiatan/{kid}/attendance", headers=op)).json()
    assert (att["attending"], att["delegates_announced"]) == (39, 100)
    assert (await step(ev, op, kid, "start")).status_code == 200
    for e in invited:  # the first morning: each delegation checks in with everyone it announced
        r = await ev.post(f"/kegiatan/{kid}/check-ins", json={"token": e["data"]["change"]["checkin_token"]}, headers=op)
        assert r.status_code == 200 and r.json()["people"] in (2, 3)
    att = (await ev.get(f"/kegiatan/{kid}/attendance", headers=op)).json()
    assert att["checked_in"] == 39 and list(att["by_day"].values()) == [{"participants": 39, "people": 100}]
    # a delegation of three cannot be counted as four
    r = await ev.post(f"/kegiatan/{kid}/walk-ins", json={"name": "Wartawan NusantaraPos", "people": 1}, headers=op)
    assert r.status_code == 201 and r.json()["kind"] == "walk_in"
    att = (await ev.get(f"/kegiatan/{kid}/attendance", headers=op)).json()
    assert att["walk_ins"] == 1 and list(att["by_day"].values()) == [{"participants": 40, "people": 101}]

    # what the province's dashboard and its monthly report say agrees with what happened (no other
    # test records anything in DKI Jakarta): 39 ormas, one kegiatan, 39 invited, answered and
    # checked in, each invitation delivered by e-mail and by WhatsApp
    day = dt.datetime.fromisoformat(k["starts_at"]).astimezone(ZoneInfo("Asia/Jakarta"))
    end = dt.datetime.fromisoformat(k["ends_at"]).astimezone(ZoneInfo("Asia/Jakarta"))
    month = day.strftime("%Y-%m")
    head = headers("head", "31")
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=60) as rp:
        async def agrees():
            s = (await rp.get("/stats/kegiatan", params={"region": "31", "since": month, "until": month}, headers=head)).json()
            p = s["participation"]
            seen = (s["kegiatan"]["total"], p["invited"], p["attending"], p["checked_in"], s["deliveries"])
            return s if seen == (1, 39, 39, 39, {"email": {"sent": 39}, "whatsapp": {"sent": 39}}) else None

        await eventually(agrees, timeout=120, interval=1, what="the province's dashboard figures")
        assert (await dashboard_agrees(platform, op, kid))["participation"]["checked_in"] == 39
        assert (await rp.get("/stats/ormas", params={"region": "31"}, headers=head)).json()["total"] == 39
    # the monthly report, once it lists the training as the events service counts it so far
    counts = {"invited": 39, "attending": 39, "declined": 0, "checked_in": 39, "walk_ins": 1, "people_present": 101,
              "aspirations": 0}
    line, rows = await report_lists(platform, head, k, counts)
    listed = rows.index(["Daftar kegiatan"])
    figures = {(row[0], row[1]): row[2] for row in rows[:listed - 1]}
    assert figures[("Ormas", "Jumlah ormas")] == "39" and figures[("Kegiatan", "Jumlah kegiatan")] == "1"
    assert figures[("Undangan", "Diundang")] == figures[("Undangan", "Hadir (registrasi)")] == "39"
    assert figures[("Pengiriman undangan", "whatsapp — sent")] == "39"
    # its list of kegiatan: the training still under way on its first day, with the walk-in
    assert rows[listed + 2:] == [line] == [[
        f"{day.day} {BULAN[day.month - 1]} {day.year} s.d. {end.day} {BULAN[end.month - 1]} {end.year}",
        "Pelatihan Peningkatan Peran Ormas Angkatan II", "Pelatihan", "Hotel Grand Cempaka, Kabupaten Bogor",
        "Berlangsung", "39", "39", "0", "39", "1", "101", "0", kid]]


async def test_pwi_audience_at_bakesbangpol_kabupaten_pekalongan(platform, clients, headers, kafka):
    """Article 002: the board of PWI Kabupaten Pekalongan (a professional organisation) received by
    the head of Bakesbangpol at the office on Jalan Sindoro: a silaturahmi, checked in by name,
    with its minutes and what was agreed."""
    reg, ev = clients
    op = headers("operator", "33.26")
    tag = uuid.uuid4().hex[:6]
    pwi = await create_ormas(reg, op, name=f"Persatuan Wartawan Indonesia Kabupaten Pekalongan {tag}", acronym=f"PWI{tag}",
                             kind="profesi", region="33.26", email=f"pwi@{tag}.or.id")
    k = await create_kegiatan(ev, op, title="Silaturahmi Pengurus PWI Kabupaten Pekalongan", type="silaturahmi",
                              venue_name="Kantor Bakesbangpol Kabupaten Pekalongan", venue_address="Jalan Sindoro, Kajen",
                              venue_region="33.26", seats_per_ormas=10,
                              starts_at=(now() + dt.timedelta(hours=1)).isoformat(),
                              ends_at=(now() + dt.timedelta(hours=3)).isoformat(),
                              rsvp_cutoff=(now() + dt.timedelta(minutes=30)).isoformat())
    kid = k["id"]
    await set_invitees_when_copied(ev, op, kid, {"ormas_ids": [pwi["id"]], "guests": [
        {"name": "Haryanto Nugroho", "role": "official", "position": "Kepala Bakesbangpol Kabupaten Pekalongan"}]}, 1)
    assert (await step(ev, op, kid, "publish")).json()["invited"] == 2
    invited = await invitations(kafka, platform.topic("events.participation"), kid, 2)
    ormas_inv = next(e for e in invited if e["data"]["kind"] == "ormas")
    guest_inv = next(e for e in invited if e["data"]["kind"] == "guest")
    assert guest_inv["data"]["change"]["recipient"]["position"] == "Kepala Bakesbangpol Kabupaten Pekalongan"
    assert guest_inv["data"]["change"]["reachable"] is False  # no contact given: reported, never crashed on
    r = await ev.post(rsvp_api(ormas_inv["data"]["change"]["rsvp_url"]),
                      json={"attending": True, "delegates": ["Ketua PWI", "Sekretaris PWI", "Bendahara PWI", "Anggota 1",
                                                             "Anggota 2", "Anggota 3"]})
    assert r.status_code == 200
    assert (await step(ev, op, kid, "start")).status_code == 200
    found = (await ev.get(f"/kegiatan/{kid}/participants", params={"q": "wartawan pekalongan"}, headers=op)).json()
    assert found["total"] == 1
    r = await ev.post(f"/kegiatan/{kid}/check-ins", json={"participant_id": found["items"][0]["id"]}, headers=op)
    assert r.status_code == 200 and r.json()["people"] == 6
    assert (await ev.put(f"/kegiatan/{kid}/minutes", headers=op, json={
        "text": "Kepala Bakesbangpol menerima silaturahmi pengurus PWI; Kesbangpol menjadi 'rumah kedua' bagi ormas."})).status_code == 200
    r = await ev.post(f"/kegiatan/{kid}/aspirations", headers=op, json={
        "topic": "Sinergi pemerintah dan media sebagai mitra di lapangan menjelang Pemilu 2024",
        "raised_by": "Pengurus PWI Kabupaten Pekalongan", "raised_by_ormas_id": pwi["id"],
        "follow_up_owner": "Bakesbangpol Kabupaten Pekalongan"})
    assert r.status_code == 201 and r.json()["aspirations"][0]["status"] == "open"
    done = await step(ev, op, kid, "complete")
    assert done.status_code == 200
    c = (await events_of(kafka, platform.topic("events.kegiatan"), kid, "kegiatan.completed", 1))[0]["data"]["change"]
    assert (c["invited"], c["checked_in"], c["people_present"], c["aspirations"], c["has_minutes"]) == (2, 1, 6, 1, True)
    people = (await ev.get(f"/kegiatan/{kid}/participants", headers=op)).json()["items"]
    assert {p["kind"]: p["status"] for p in people} == {"ormas": "checked_in", "guest": "no_show"}
    figures = await dashboard_agrees(platform, op, kid)
    assert figures["aspirations"] == {"open": 1} and figures["participation"]["invited"] == 2
    line, _ = await report_lists(platform, op, k, c)
    assert line[2] == "Silaturahmi" and line[3] == "Kantor Bakesbangpol Kabupaten Pekalongan, Kabupaten Pekalongan"


async def test_pasuruan_lsm_dialog_of_21_december_2022_with_its_aspirations(platform, clients, headers, kafka):
    """Article 001: Bakesbangpol Kota Pasuruan opens a dialog room with the registered LSM, with the
    Sekda and the Kasat Intelkam; LSM activists ask for public hearings; what they raise is recorded
    with its follow-up owner and followed up."""
    reg, ev = clients
    op = headers("operator", "35.75")
    tag = f"dlg{uuid.uuid4().hex[:6]}"
    today = dt.date.today()
    rows = [[f"LSM {tag} {i:02d}", "LSM", "Kota Pasuruan", "", f"lsm{i}@{tag}.id", f"0857{i:08d}", tag,
             f"220/{i}/423.202/2023", today - dt.timedelta(days=300)] for i in range(12)]
    rows += [[f"Ormas {tag} {i:02d}", "Ormas", "Kota Pasuruan", "", "", "", tag, f"220/5{i}/423.202/2023",
              today - dt.timedelta(days=300)] for i in range(3)]
    await import_book(reg, headers("admin", "35.75"), rows)  # a book with SKTs: an admin imports it
    k = await create_kegiatan(ev, op, title="Dialog Aktualisasi Peran LSM Dalam Menunjang Keberhasilan Pembangunan",
                              type="dialog", theme="Siap Mensukseskan MTQ ke-30 Provinsi Jawa Timur tahun 2023",
                              venue_name="Kantor Bakesbangpol Kota Pasuruan", venue_region="35.75")
    kid = k["id"]
    await set_invitees_when_copied(ev, op, kid, {
        "rule": {"kinds": ["lsm"], "bidang": [tag], "valid_skt_on": today.isoformat()},
        "guests": [{"name": "Rudianto", "position": "Sekretaris Daerah Kota Pasuruan", "email": "sekda@pasuruankota.go.id"},
                   {"name": "Kasat Intelkam Polresta Pasuruan", "role": "official"}]}, 12)
    assert (await step(ev, op, kid, "publish")).json()["invited"] == 14
    invited = await invitations(kafka, platform.topic("events.participation"), kid, 14)
    assert sum(e["data"]["kind"] == "guest" for e in invited) == 2
    assert (await step(ev, op, kid, "start")).status_code == 200
    for e in invited[:10]:
        assert (await ev.post(f"/kegiatan/{kid}/check-ins", headers=op,
                              json={"token": e["data"]["change"]["checkin_token"]})).status_code == 200
    ayik = await ev.post(f"/kegiatan/{kid}/aspirations", headers=op, json={
        "topic": "Public hearing yang melibatkan LSM dalam kebijakan publik dan perencanaan pembangunan",
        "text": "Agar aspirasi masyarakat tersampaikan untuk mewujudkan kota Madina.", "raised_by": "Ayik, pegiat LSM",
        "follow_up_owner": "Sekretariat Daerah Kota Pasuruan"})
    assert ayik.status_code == 201
    room = await ev.post(f"/kegiatan/{kid}/aspirations", headers=op, json={
        "topic": "Ruang dialog rutin antara Pemerintah Kota dan LSM", "raised_by": "Perwakilan LSM",
        "follow_up_owner": "Bakesbangpol Kota Pasuruan"})
    items = room.json()["aspirations"]
    a1, a2 = items[0]["id"], items[1]["id"]
    # follow-up: done needs a note; open → in_progress → done; nothing goes back
    no_note = await ev.patch(f"/kegiatan/{kid}/aspirations/{a2}", headers=op, json={"status": "done"})
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == "note"
    assert (await ev.patch(f"/kegiatan/{kid}/aspirations/{a2}", headers=op, json={"status": "in_progress"})).status_code == 200
    r = await ev.patch(f"/kegiatan/{kid}/aspirations/{a2}", headers=op,
                       json={"status": "done", "note": "Dialog triwulanan dijadwalkan di kantor Bakesbangpol"})
    assert r.status_code == 200
    back = await ev.patch(f"/kegiatan/{kid}/aspirations/{a2}", headers=op, json={"status": "open"})
    assert back.status_code == 409
    assert (await step(ev, op, kid, "complete")).status_code == 200
    # follow-up continues after the dialog is closed
    assert (await ev.patch(f"/kegiatan/{kid}/aspirations/{a1}", headers=op, json={"status": "in_progress"})).status_code == 200
    recorded = await events_of(kafka, platform.topic("events.kegiatan"), kid, "kegiatan.aspiration_recorded", 2)
    updated = await events_of(kafka, platform.topic("events.kegiatan"), kid, "kegiatan.aspiration_updated", 3)
    assert {e["data"]["change"]["aspiration"]["raised_by"] for e in recorded} == {"Ayik, pegiat LSM", "Perwakilan LSM"}
    assert [e["data"]["change"]["aspiration"]["status"] for e in updated if e["data"]["change"]["aspiration"]["id"] == a2] \
        == ["in_progress", "done"]
    c = (await events_of(kafka, platform.topic("events.kegiatan"), kid, "kegiatan.completed", 1))[0]["data"]["change"]
    assert (c["invited"], c["checked_in"], c["aspirations"]) == (14, 10, 2)

    async def followed_up():  # the dashboard counts the follow-up as it stands
        f = await dashboard_agrees(platform, op, kid)
        return f if f["aspirations"] == {"done": 1, "in_progress": 1} else None

    figures = await eventually(followed_up, timeout=60, what="the aspirations' follow-up on the dashboard")
    assert figures["participation"]["checked_in"] == 10
    assert (await report_lists(platform, op, k, c))[0][2] == "Dialog"


async def test_the_dialog_and_its_invitations_are_counted_by_reporting(platform, clients, headers):
    """A published, attended and completed dialog reaches reporting from every topic: the kegiatan
    by type and month, answers and attendance, how the invitations were delivered, the aspiration."""
    from tests.helpers import eventually

    reg, ev = clients
    op = headers("operator", "35.75")
    tag = uuid.uuid4().hex[:6]
    ids = [(await create_ormas(reg, op, name=f"LSM Laporan {tag} {i}", kind="lsm", region="35.75",
                               email=f"lsm{i}@{tag}.example.org"))["id"] for i in range(3)]
    start = now() + dt.timedelta(hours=1)
    k = await create_kegiatan(ev, op, title=f"Dialog Laporan {tag}", type="dialog", starts_at=start.isoformat(),
                              ends_at=(start + dt.timedelta(hours=3)).isoformat(),
                              rsvp_cutoff=(start - dt.timedelta(minutes=20)).isoformat())
    kid = k["id"]
    await set_invitees_when_copied(ev, op, kid, {"ormas_ids": ids}, 3)
    assert (await step(ev, op, kid, "publish")).status_code == 200
    assert (await step(ev, op, kid, "start")).status_code == 200

    async def invited():  # the publish answers before its fan-out has written the participants
        items = (await ev.get(f"/kegiatan/{kid}/participants", headers=op)).json()["items"]
        return items if len(items) == 3 else None

    people = await eventually(invited, timeout=60, what="the three invited participants")
    for p in people[:2]:
        assert (await ev.post(f"/kegiatan/{kid}/check-ins", json={"participant_id": p["id"]}, headers=op)).status_code == 200
    await ev.post(f"/kegiatan/{kid}/aspirations", headers=op, json={"topic": "Ruang dialog rutin", "raised_by": "LSM"})
    assert (await step(ev, op, kid, "complete")).status_code == 200

    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=30) as rp:
        month = dt.datetime.now(dt.UTC).strftime("%Y-%m")

        async def counted():
            r = await rp.get("/stats/kegiatan", params={"region": "35.75", "since": month, "until": month},
                             headers=headers("analyst", "35"))
            s = r.json()
            mine = s["deliveries"].get("email", {}).get("sent", 0)
            return s if s["kegiatan"]["by_type"].get("dialog", 0) >= 1 and s["participation"]["checked_in"] >= 2 \
                and mine >= 3 and s["aspirations"]["total"] >= 1 else None

        s = await eventually(counted, timeout=60, interval=0.5, what="reporting to count the dialog")
        assert s["kegiatan"]["by_month"][month] >= 1
        province = (await rp.get("/stats/kegiatan", params={"region": "35", "since": month, "until": month},
                                 headers=headers("analyst", "35"))).json()
        assert province["kegiatan"]["by_child"]["35.75"] >= 1  # the province's figures by city
        assert 0 < s["participation"]["attendance_rate"] <= 1
        bad = await rp.get("/stats/kegiatan", params={"since": "2026-05", "until": "2026-01"}, headers=op)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "since"
        long = await rp.get("/stats/kegiatan", params={"since": "2010-01", "until": "2026-01"}, headers=op)
        assert long.status_code == 422
        outside = await rp.get("/stats/kegiatan", params={"region": "33.26"}, headers=op)
        assert outside.status_code == 404
        attended = {p["ormas_id"] for p in people[:2]}

        async def engaged():
            e = (await rp.get(f"/stats/ormas/{ids[0]}/engagement", headers=op)).json()
            return e if e["invited"] == 1 and e["attending"] == 0 and e.get("attended") == (1 if ids[0] in attended else 0) else None

        e = await eventually(engaged, timeout=30, what="the ormas's engagement")
        assert e["by_month"][month]["invited"] == 1
        figures = (await rp.get("/stats/ormas", params={"region": "35.75"}, headers=op)).json()
        assert figures["by_kind"]["lsm"] >= 3 and figures["total"] >= 3


async def test_pasuruan_apel_of_the_social_conflict_team_with_forkopimda(platform, clients, headers, kafka):
    """Article 003: Pemerintah Kota Pasuruan's apel for regional stability (the integrated team for
    social conflict) in the yard of the BKD, before the mayoral election: no ormas invited — the
    Forkopimda, the DPRD's deputy chair, the regional secretary, heads of offices and the team's
    members, with the acting mayor as inspector; the prevention steps he set recorded as minutes
    and the early-warning system as a follow-up."""
    _, ev = clients
    op = headers("operator", "35.75")
    tag = uuid.uuid4().hex[:6]
    guests = [
        {"name": "Dr. Ardo Sahak, SE., MM.", "role": "speaker", "position": "Pjs. Wali Kota Pasuruan",
         "email": f"walikota.{tag}@pasuruankota.go.id"},
        {"name": "Kapolres Pasuruan Kota", "position": "Forkopimda", "email": f"kapolres.{tag}@polri.go.id"},
        {"name": "Dandim 0819", "position": "Forkopimda", "email": f"dandim.{tag}@tniad.mil.id"},
        {"name": "Wakil Ketua DPRD Kota Pasuruan", "position": "Wakil Ketua DPRD", "email": f"dprd.{tag}@pasuruankota.go.id"},
        {"name": "Pj. Sekretaris Daerah Kota Pasuruan", "position": "Pj. Sekda", "email": f"sekda.{tag}@pasuruankota.go.id"},
        {"name": "Plt. Kepala Bakesbangpol Kota Pasuruan", "position": "Plt. Kepala Badan"},
    ] + [{"name": f"Kepala OPD {i} {tag}", "position": "Kepala OPD", "institution": "Pemerintah Kota Pasuruan"} for i in range(4)] \
      + [{"name": f"Anggota Tim Terpadu {i} {tag}", "role": "other", "position": "Tim Terpadu Penanganan Konflik Sosial"}
         for i in range(3)]
    k = await create_kegiatan(
        ev, op, title=f"Apel Fasilitasi Stabilitas Wilayah (Tim Terpadu Penanganan Konflik Sosial) {tag}", type="apel",
        venue_name="Halaman BKD Kota Pasuruan", venue_region="35.75",
        starts_at=(now() + dt.timedelta(hours=1)).isoformat(), ends_at=(now() + dt.timedelta(hours=2)).isoformat(),
        rsvp_cutoff=(now() + dt.timedelta(minutes=30)).isoformat(),
        speakers=[{"name": "Dr. Ardo Sahak, SE., MM.", "position": "Pjs. Wali Kota Pasuruan, inspektur apel"}])
    kid = k["id"]
    await set_invitees_when_copied(ev, op, kid, {"guests": guests}, 0)
    r = await step(ev, op, kid, "publish")
    assert r.status_code == 200 and r.json()["invited"] == len(guests) == 13
    invited = await invitations(kafka, platform.topic("events.participation"), kid, 13)
    assert {e["data"]["kind"] for e in invited} == {"guest"}
    reachable = sorted(e["data"]["change"]["recipient"]["email"] for e in invited if e["data"]["change"]["reachable"])
    assert reachable == sorted(g["email"] for g in guests if "email" in g)  # five letters by e-mail; the rest by hand

    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=60) as nt:
        async def delivered():
            d = (await nt.get(f"/kegiatan/{kid}/deliveries", headers=op)).json()
            return d if d.get("by_channel", {}).get("email", {}).get("sent") == 5 else None

        d = await eventually(delivered, timeout=90, interval=0.5, what="the five invitation e-mails")
        assert len(d["unreachable"]) == 8  # listed for the office to deliver by hand

    assert (await step(ev, op, kid, "start")).status_code == 200
    absent = {f"Kepala OPD 3 {tag}", f"Anggota Tim Terpadu 2 {tag}"}
    people = (await ev.get(f"/kegiatan/{kid}/participants", headers=op)).json()["items"]
    assert len(people) == 13
    for p in people:
        if p["name"] not in absent:  # checked in by name at the yard's table
            r = await ev.post(f"/kegiatan/{kid}/check-ins", json={"participant_id": p["id"]}, headers=op)
            assert r.status_code == 200, r.text
    r = await ev.post(f"/kegiatan/{kid}/walk-ins", json={"name": "Tokoh agama dan tokoh masyarakat", "people": 3}, headers=op)
    assert r.status_code == 201
    steps = ("Bersama tokoh agama dan tokoh masyarakat memelihara kondisi damai; membangun sistem peringatan dini; "
             "meredam potensi konflik; menyelesaikan perselisihan secara damai melalui musyawarah dan urun rembug.")
    assert (await ev.put(f"/kegiatan/{kid}/minutes", json={"text": steps}, headers=op)).status_code == 200
    r = await ev.post(f"/kegiatan/{kid}/aspirations", headers=op, json={
        "topic": "Sistem peringatan dini konflik sosial menjelang Pemilihan Wali Kota 9 Desember",
        "raised_by": "Pjs. Wali Kota Pasuruan", "follow_up_owner": "Tim Terpadu Penanganan Konflik Sosial Kota Pasuruan"})
    assert r.status_code == 201
    assert (await step(ev, op, kid, "complete")).status_code == 200
    c = (await events_of(kafka, platform.topic("events.kegiatan"), kid, "kegiatan.completed", 1))[0]["data"]["change"]
    assert (c["invited"], c["checked_in"], c["walk_ins"], c["people_present"], c["aspirations"], c["has_minutes"]) == \
        (13, 11, 1, 14, 1, True)
    figures = await dashboard_agrees(platform, op, kid, status="completed")
    assert figures["deliveries"] == {"email": {"sent": 5}, "none": {"unreachable": 8}} and figures["status"] == "completed"
    day = dt.datetime.fromisoformat(k["starts_at"]).astimezone(ZoneInfo("Asia/Jakarta"))
    end = dt.datetime.fromisoformat(k["ends_at"]).astimezone(ZoneInfo("Asia/Jakarta"))
    dates = f"{day.day} {BULAN[day.month - 1]} {day.year}"
    if end.date() > day.date():  # run late in the evening, the apel goes on past midnight in WIB
        dates += f" s.d. {end.day} {BULAN[end.month - 1]} {end.year}"
    line, _ = await report_lists(platform, op, k, c)  # the city's monthly report lists the apel as it went
    assert line[0] == dates and line[4] == "Selesai" and line[2] == "Apel"
