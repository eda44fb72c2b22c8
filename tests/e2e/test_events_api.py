"""The events API's rules and bad input: each gets a clear 4xx problem+json and leaves nothing
half-written; scope by region; reschedule and cancel with their events; the RSVP page itself."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest

from services.events.domain import participation
from services.events.settings import DEV_TOKEN_SECRET
from tests.e2e.events_support import (
    create_kegiatan,
    create_ormas,
    events_of,
    invitations,
    kegiatan_body,
    now,
    publish_killed_mid_fan_out,
    rsvp_api,
    set_invitees_when_copied,
    step,
)
from tests.helpers import eventually

pytestmark = pytest.mark.e2e
PROBLEM = "application/problem+json"


@pytest.fixture()
async def ev(platform):
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=60) as client:
        yield client


@pytest.fixture()
async def published(platform, headers, kafka, ev):
    """A Kota Pasuruan kegiatan published to two ormas, with their invitations."""
    op = headers("operator", "35.75")
    tag = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        ids = [(await create_ormas(reg, op, name=f"Ormas Api {tag} {i}", kind="ormas", region="35.75",
                                   email=f"a{i}@{tag}.id"))["id"] for i in range(2)]
    k = await create_kegiatan(ev, op, seats_per_ormas=2)
    await set_invitees_when_copied(ev, op, k["id"], {"ormas_ids": ids}, 2)
    r = await step(ev, op, k["id"], "publish")
    assert r.status_code == 200, r.text
    invited = await invitations(kafka, platform.topic("events.participation"), k["id"], 2)
    return {"op": op, "k": r.json(), "invited": invited, "ormas_ids": ids}


async def test_end_before_start_is_refused_and_nothing_is_written(ev, headers):
    op = headers("operator", "35.75")
    title = f"Dialog {uuid.uuid4().hex[:6]}"
    start = now() + dt.timedelta(days=3)
    r = await ev.post("/kegiatan", headers=op, json=kegiatan_body(
        title=title, starts_at=start.isoformat(), ends_at=(start - dt.timedelta(hours=1)).isoformat()))
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert r.json()["errors"] == [{"field": "ends_at", "message": "must be after starts_at"}]
    listed = (await ev.get("/kegiatan", params={"region": "35.75", "limit": 200}, headers=op)).json()["items"]
    assert title not in {k["title"] for k in listed}


@pytest.mark.parametrize("over,field", [
    ({"venue_region": "99.99"}, "venue_region"),
    ({"type": "pesta"}, "type"),
    ({"starts_at": "2027-01-01T08:00:00"}, "starts_at"),  # no time zone
    ({"seats_per_ormas": 0}, "seats_per_ormas"),
    ({"rsvp_cutoff": "2099-01-01T00:00:00Z"}, "rsvp_cutoff"),
])
async def test_bad_details_name_their_field(ev, headers, over, field):
    r = await ev.post("/kegiatan", headers=headers("operator", "35.75"), json=kegiatan_body(**over))
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert field in {e["field"].split(".")[0] for e in r.json()["errors"]}, r.json()


async def test_publishing_needs_the_letter_and_an_invitee_and_a_refused_publish_changes_nothing(ev, headers, platform, kafka):
    op = headers("operator", "35.75")
    k = await create_kegiatan(ev, op, letter={"number": "005/1/2026", "nature": "Biasa"})
    r = await step(ev, op, k["id"], "publish")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "letter"
    assert "attachment" in r.json()["detail"] and "signatory_name" in r.json()["detail"]
    k2 = await create_kegiatan(ev, op)
    r = await step(ev, op, k2["id"], "publish")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "invitees"
    for kid in (k["id"], k2["id"]):
        got = (await ev.get(f"/kegiatan/{kid}", headers=op)).json()
        assert got["status"] == "draft" and got["version"] == 1 and got["fanout"] is None


async def test_invitees_must_exist_and_be_of_the_organising_region(ev, headers, platform):
    op = headers("operator", "35.75")
    k = await create_kegiatan(ev, op)
    r = await ev.put(f"/kegiatan/{k['id']}/invitees", headers=op, json={"ormas_ids": ["no-such-ormas"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ormas_ids"
    r = await ev.put(f"/kegiatan/{k['id']}/invitees", headers=op, json={"rule": {"region": "35.73"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "region"  # Kota Malang is not Pasuruan's
    assert (await ev.get(f"/kegiatan/{k['id']}", headers=op)).json()["targeting"] is None


async def test_lifecycle_steps_out_of_order_get_409_with_what_is_possible(ev, headers, published):
    op, kid = published["op"], published["k"]["id"]
    r = await step(ev, op, kid, "publish")
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM
    assert r.json()["current_status"] == "published" and "ongoing" in r.json()["allowed_next_states"]
    r = await step(ev, op, kid, "complete")
    assert r.status_code == 409
    r = await ev.patch(f"/kegiatan/{kid}", headers=op, json={"title": "Judul baru"})
    assert r.status_code == 409  # times and details of a published kegiatan change by rescheduling
    r = await ev.put(f"/kegiatan/{kid}/invitees", headers=op, json={"ormas_ids": []})
    assert r.status_code == 409  # frozen


async def test_rsvp_rules_tokens_and_cutoff(ev, headers, published, platform):
    inv = published["invited"][0]["data"]
    url = rsvp_api(inv["change"]["rsvp_url"])
    kid = published["k"]["id"]
    view = (await ev.get(url)).json()
    assert view["participant"] == inv["name"] and view["seats"] == 2 and view["open"] is True
    assert view["when"].split(",")[0] in ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
    r = await ev.post(url, json={"attending": False})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await ev.post(url, json={"attending": True, "delegates": ["A", "B", "C"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "delegates"
    r = await ev.post(url, json={"attending": False, "reason": "Bersamaan dengan musyawarah daerah"})
    assert r.status_code == 200 and r.json()["attending"] is False and r.json()["checkin_qr_svg"] is None
    r = await ev.post(url, json={"attending": True, "delegates": ["Ketua", "Sekretaris"]})  # changed their mind
    assert r.status_code == 200 and r.json()["delegates"] == ["Ketua", "Sekretaris"]

    token = url.rsplit("/", 1)[1]
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    assert (await ev.get(tampered)).status_code == 404
    other = url.replace(f"/{kid}/", f"/{uuid.uuid4()}/")
    assert (await ev.get(other)).status_code == 404  # a link of another kegiatan
    pid = participation.verify(DEV_TOKEN_SECRET.encode(), token, purpose="rsvp", kegiatan_id=kid, now=now())
    expired = participation.sign(DEV_TOKEN_SECRET.encode(), purpose="rsvp", kegiatan_id=kid, participant_id=pid,
                                 expires=now() - dt.timedelta(minutes=1))
    r = await ev.get(url.replace(token, expired))
    assert r.status_code == 410 and r.headers["content-type"] == PROBLEM
    # a check-in token is not an RSVP link
    assert (await ev.get(url.replace(token, inv["change"]["checkin_token"]))).status_code == 404


async def test_answers_after_the_cutoff_are_refused(ev, headers, platform, kafka):
    op = headers("operator", "35.75")
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        o = await create_ormas(reg, op, name=f"Ormas Telat {uuid.uuid4().hex[:6]}", kind="ormas", region="35.75")
    k = await create_kegiatan(ev, op, rsvp_cutoff=(now() - dt.timedelta(minutes=1)).isoformat())
    await set_invitees_when_copied(ev, op, k["id"], {"ormas_ids": [o["id"]]}, 1)
    assert (await step(ev, op, k["id"], "publish")).status_code == 200
    inv = (await invitations(kafka, platform.topic("events.participation"), k["id"], 1))[0]["data"]
    r = await ev.post(rsvp_api(inv["change"]["rsvp_url"]), json={"attending": True, "delegates": ["Budi"]})
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "rsvp"
    page = await ev.get(inv["change"]["rsvp_url"])
    assert page.status_code == 200 and "Konfirmasi sudah ditutup" in page.text


async def test_the_rsvp_page_works_without_javascript(ev, published):
    inv = published["invited"][1]["data"]
    page = await ev.get(inv["change"]["rsvp_url"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'lang="id"' in page.text and "Konfirmasi Kehadiran" in page.text and inv["name"] in page.text
    assert 'name="viewport"' in page.text and page.text.count('name="delegate"') == 2
    r = await ev.post(inv["change"]["rsvp_url"], data={"attending": "yes", "delegate": ["Ketua Umum", ""]})
    assert r.status_code == 200 and "Terima kasih" in r.text and "Ketua Umum" in r.text and "<svg" in r.text
    r = await ev.post(inv["change"]["rsvp_url"], data={"attending": "no", "reason": ""})
    assert r.status_code == 422 and "Isi alasan tidak hadir" in r.text
    bad = await ev.get(inv["change"]["rsvp_url"] + "x")
    assert bad.status_code == 404 and "Tautan tidak berlaku" in bad.text


async def test_check_in_refuses_another_kegiatans_code_and_is_idempotent(ev, headers, published):
    op, kid = published["op"], published["k"]["id"]
    other = await create_kegiatan(ev, op)
    token = published["invited"][0]["data"]["change"]["checkin_token"]
    r = await ev.post(f"/kegiatan/{other['id']}/check-ins", json={"token": token}, headers=op)
    assert r.status_code in (409, 422) and r.headers["content-type"] == PROBLEM
    r = await ev.post(f"/kegiatan/{kid}/check-ins", json={"token": token + "x"}, headers=op)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "token"
    r = await ev.post(f"/kegiatan/{kid}/check-ins", json={"token": token, "participant_id": "x"}, headers=op)
    assert r.status_code == 422
    first, second = [await ev.post(f"/kegiatan/{kid}/check-ins", json={"token": token}, headers=op) for _ in range(2)]
    assert first.json()["already"] is False and second.json()["already"] is True
    assert second.json()["at"] == first.json()["at"]
    analyst = await ev.post(f"/kegiatan/{kid}/check-ins", json={"token": token}, headers=headers("analyst", "35.75"))
    assert analyst.status_code == 403
    page = await ev.get(f"/kegiatan/{kid}/check-in")  # the page moved under the web application's session
    assert page.status_code == 301 and page.headers["location"].endswith(f"/kegiatan/{kid}/hadir")


@pytest.mark.parametrize("role,office,reads,writes", [
    ("operator", "35.75", True, True), ("analyst", "35", True, False), ("operator", "35", True, False),
    ("operator", "35.73", False, False), ("admin", "33.26", False, False), ("analyst", "", True, False),
])
async def test_scope_of_a_kota_pasuruan_kegiatan(ev, headers, role, office, reads, writes):
    k = await create_kegiatan(ev, headers("operator", "35.75"))
    h = headers(role, office)
    got = await ev.get(f"/kegiatan/{k['id']}", headers=h)
    assert got.status_code == (200 if reads else 404)
    r = await ev.patch(f"/kegiatan/{k['id']}", headers=h, json={"theme": "Tema baru"})
    assert r.status_code == (200 if writes else 403 if role == "analyst" else 404)
    if role == "operator" and office != "35.75":
        r = await ev.post("/kegiatan", headers=h, json=kegiatan_body(region="35.75"))
        assert r.status_code == 404


async def test_reschedule_and_cancel_raise_their_events_and_close_the_rsvp(ev, headers, published, platform, kafka):
    op, kid = published["op"], published["k"]["id"]
    start = now() + dt.timedelta(days=2)
    r = await step(ev, op, kid, "reschedule", starts_at=start.isoformat(), ends_at=(start + dt.timedelta(hours=6)).isoformat())
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await step(ev, op, kid, "reschedule", starts_at=start.isoformat(), ends_at=(start + dt.timedelta(hours=6)).isoformat(),
                   reason="Bertepatan dengan kunjungan Gubernur")
    assert r.status_code == 200 and r.json()["status"] == "rescheduled"
    moved = (await events_of(kafka, platform.topic("events.kegiatan"), kid, "kegiatan.rescheduled", 1))[0]["data"]
    assert moved["starts_at"] == start.isoformat().replace("+00:00", "Z")
    assert moved["change"]["previous_starts_at"] == published["k"]["starts_at"].replace("+00:00", "Z")
    assert (await step(ev, op, kid, "cancel")).status_code == 422
    r = await step(ev, op, kid, "cancel", reason="Situasi keamanan")
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["allowed_actions"] == []
    cancelled = (await events_of(kafka, platform.topic("events.kegiatan"), kid, "kegiatan.cancelled", 1))[0]["data"]
    assert cancelled["change"] == {"reason": "Situasi keamanan"}
    url = rsvp_api(published["invited"][0]["data"]["change"]["rsvp_url"])
    r = await ev.post(url, json={"attending": True, "delegates": ["Budi"]})
    assert r.status_code == 409


async def test_invitees_added_after_publish_are_invited_once(ev, headers, published, platform, kafka):
    op, kid = published["op"], published["k"]["id"]
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        o = await create_ormas(reg, op, name=f"Ormas Susulan {uuid.uuid4().hex[:6]}", kind="lsm", region="35.75",
                              phone="081234567890")

    async def added():
        r = await ev.post(f"/kegiatan/{kid}/invitees", headers=op,
                          json={"ormas_ids": [o["id"], *published["ormas_ids"]],
                                "guests": [{"name": "Kapolres Pasuruan Kota", "email": "kapolres@polri.go.id"}]})
        return r if r.status_code == 200 else None

    from tests.helpers import eventually

    r = await eventually(added, timeout=30, what="the late ormas in the events copy")
    assert r.json()["invited"] == 4
    invited = await invitations(kafka, platform.topic("events.participation"), kid, 4)
    counts: dict[str, int] = {}
    for e in invited:
        counts[e["data"]["participant_id"]] = counts.get(e["data"]["participant_id"], 0) + 1
    assert len(counts) == 4 and set(counts.values()) == {1}  # the first two were not invited again
    people = (await ev.get(f"/kegiatan/{kid}/participants", headers=op)).json()
    assert people["total"] == 4
    late = next(p for p in people["items"] if p["ormas_id"] == o["id"])
    assert late["phone"] == "+62812****7890"  # masked in lists


async def test_events_killed_mid_fan_out_resumes_after_restart_and_invites_each_ormas_once(platform, headers, mongo, kafka):
    """The process dies (SIGKILL) after the first 10 of 30 participants were written: the restarted
    process finds the fan-out pending and finishes it; every ormas is invited, none twice (a
    re-published invitation carries the same event id, which consumers drop)."""
    from deploy.local import stack

    tag = uuid.uuid4().hex[:6]
    ids = [f"crash-{tag}-{i:02d}" for i in range(30)]
    kid, env, db = await publish_killed_mid_fan_out(platform, mongo, headers("operator", "35.75"), name="crash",
                                                    port=18012, ids=ids, invite=30)
    group = platform.group
    stored = await db["kegiatan"].find_one({"_id": kid})
    assert stored["status"] == "published" and stored["fanout"]["state"] == "pending"
    assert await db["participants"].count_documents({"kegiatan_id": kid}) == 10

    restarted = stack.api_component("events", 18012, env, name="events-restarted")
    proc = group.start(restarted)
    try:
        group.wait_healthy(restarted, proc)
        invited = await invitations(kafka, platform.topic("events.participation"), kid, 30)
        from tests.helpers import eventually

        done = await eventually(lambda: db["kegiatan"].find_one({"_id": kid, "fanout.state": "done"}), what="fan-out done")
        assert done["fanout"]["total"] == 30 and done["fanout"]["existing"] == 10
    finally:
        group.stop("events-restarted")
    ids_by_participant: dict[str, set[str]] = {}
    for e in invited:
        ids_by_participant.setdefault(e["data"]["participant_id"], set()).add(e["id"])
    assert len(ids_by_participant) == 30
    assert all(len(v) == 1 for v in ids_by_participant.values())  # at most re-published, never a second invitation
    assert await db["participants"].count_documents({"kegiatan_id": kid}) == 30
    await mongo.drop_database(env["EVENTS_MONGO_DB"])


async def test_the_live_count_writes_nothing_and_counts_letters_by_channel(ev, headers, platform):
    op = headers("operator", "35.75")
    tag = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        mail = await create_ormas(reg, op, name=f"Ormas Surel {tag}", kind="ormas", region="35.75", email=f"s@{tag}.id")
        wa = await create_ormas(reg, op, name=f"Ormas Wa {tag}", kind="ormas", region="35.75", whatsapp="+6281234500001")
        none = await create_ormas(reg, op, name=f"Ormas Sunyi {tag}", kind="ormas", region="35.75")
    k = await create_kegiatan(ev, op)
    ids = [mail["id"], wa["id"], none["id"]]
    await set_invitees_when_copied(ev, op, k["id"], {"ormas_ids": ids}, 3)  # the copy has them all
    await ev.put(f"/kegiatan/{k['id']}/invitees", json={"ormas_ids": []}, headers=op)
    before = (await ev.get(f"/kegiatan/{k['id']}", headers=op)).json()
    body = {"ormas_ids": ids, "guests": [{"name": "Kapolres", "role": "official", "email": f"polres@{tag}.id"}]}
    r = await ev.post(f"/kegiatan/{k['id']}/invitees/preview", json=body, headers=op)
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["ormas"], got["guests"], got["count"]) == (3, 1, 4)
    assert got["channels"] == {"email": 2, "whatsapp": 1, "sms": 0, "none": 1}
    after = (await ev.get(f"/kegiatan/{k['id']}", headers=op)).json()
    assert after["version"] == before["version"] and after["targeting"] == before["targeting"]  # nothing written
    r = await ev.post(f"/kegiatan/{k['id']}/invitees/preview", json={"ormas_ids": [str(uuid.uuid4())]}, headers=op)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    r = await ev.post(f"/kegiatan/{k['id']}/invitees/preview", json=body, headers=headers("analyst", "35.75"))
    assert r.status_code == 403


async def test_an_answer_by_phone_is_recorded_by_staff_with_who_and_how(ev, headers, published, platform, kafka):
    op, kid = published["op"], published["k"]["id"]
    pid = published["invited"][0]["data"]["participant_id"]
    url = f"/kegiatan/{kid}/participants/{pid}/answer"
    r = await ev.post(url, json={"attending": True, "delegates": ["Ketua"], "via": "merpati"}, headers=op)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "via"
    r = await ev.post(url, json={"attending": True, "delegates": ["Ketua"], "via": "telepon"},
                      headers=headers("analyst", "35.75"))
    assert r.status_code == 403
    r = await ev.post(f"/kegiatan/{kid}/participants/{kid}:nobody/answer",
                      json={"attending": False, "reason": "x", "via": "surat"}, headers=op)
    assert r.status_code == 404
    r = await ev.post(url, json={"attending": True, "delegates": ["Ketua", "Bendahara"], "via": "telepon"}, headers=op)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["attending"] is True and got["delegates"] == ["Ketua", "Bendahara"]
    assert got["recorded_by"]["via"] == "telepon" and got["recorded_by"]["by"]
    answered = await events_of(kafka, platform.topic("events.participation"), kid, "participation.responded", 1)
    assert answered[-1]["data"]["change"]["recorded_via"] == "telepon"
    # the invitee's own answer later replaces it, and is no longer marked as recorded by staff
    r = await ev.post(rsvp_api(published["invited"][0]["data"]["change"]["rsvp_url"]),
                      json={"attending": False, "reason": "Berhalangan"})
    assert r.status_code == 200
    listed = (await ev.get(f"/kegiatan/{kid}/participants", headers=op)).json()["items"]
    mine = next(p for p in listed if p["id"] == pid)
    assert mine["attending"] is False and mine["recorded_by"] is None


async def test_a_kegiatan_of_2018_is_recorded_with_its_attendance_and_counted_in_its_report(ev, headers, platform):
    from tests.e2e.events_support import report_lists

    op = headers("operator", "35.75")
    tag = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        ids = [(await create_ormas(reg, op, name=f"Ormas Fasilitasi {tag} {i}", kind="ormas", region="35.75",
                                   email=f"f{i}@{tag}.id"))["id"] for i in range(2)]
    day = dt.datetime(2018, 4, 10, 1, 0, tzinfo=dt.UTC)  # 08.00 WIB
    k = await create_kegiatan(ev, op, title=f"Fasilitasi Pemberdayaan Ormas {tag}", starts_at=day.isoformat(),
                              ends_at=(day + dt.timedelta(hours=7)).isoformat(), rsvp_cutoff=None, letter=None,
                              seats_per_ormas=2)
    assert k["allowed_actions"] == ["record", "cancel"]  # in the past: recorded, never published
    await set_invitees_when_copied(ev, op, k["id"], {"ormas_ids": ids, "guests": [{"name": "Asisten I Setda"}]}, 2)
    r = await step(ev, op, k["id"], "publish")
    assert r.status_code == 422  # no letter, and it is past
    assert (await ev.get(f"/kegiatan/{k['id']}", headers=op)).json()["status"] == "draft"
    future = await create_kegiatan(ev, op)
    r = await step(ev, op, future["id"], "record")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "starts_at"
    r = await step(ev, op, k["id"], "record")  # no letter needed: nobody is written to
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ongoing" and r.json()["recorded"] is True

    async def participants():
        items = (await ev.get(f"/kegiatan/{k['id']}/participants", headers=op)).json()["items"]
        return items if len(items) == 3 else None

    ps = await eventually(participants, what="the recorded kegiatan's participants")
    first = next(p for p in ps if p["ormas_id"] == ids[0])
    url = f"/kegiatan/{k['id']}/recorded-attendance"
    r = await ev.post(url, json={"participant_id": first["id"], "day": "2018-04-10", "people": 2}, headers=op)
    assert r.status_code == 201 and r.json()["attendance"]["2018-04-10"]["method"] == "manual"
    r = await ev.post(url, json={"participant_id": first["id"], "day": "2018-04-10", "people": 2}, headers=op)
    assert r.status_code == 200  # entered twice: once
    r = await ev.post(url, json={"participant_id": first["id"], "day": "2018-04-11", "people": 1}, headers=op)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "day"
    r = await ev.post(url, json={"name": "Ketua RT 03", "day": "2018-04-10"}, headers=op)
    assert r.status_code == 201 and r.json()["kind"] == "walk_in"
    r = await ev.post(url, json={"day": "2018-04-10"}, headers=op)
    assert r.status_code == 422
    r = await ev.post(f"/kegiatan/{future['id']}/recorded-attendance", json={"name": "X", "day": "2018-04-10"}, headers=op)
    assert r.status_code == 409  # a kegiatan still to come is checked in at its door
    done = await step(ev, op, k["id"], "complete")
    assert done.status_code == 200
    att = (await ev.get(f"/kegiatan/{k['id']}/attendance", headers=op)).json()
    assert (att["invited"], att["checked_in"], att["walk_ins"], att["by_day"]["2018-04-10"]["people"]) == (3, 1, 1, 3)
    line, _ = await report_lists(platform, op, done.json(), {"invited": 3, "attending": 0, "declined": 0,
                                                              "checked_in": 1, "walk_ins": 1, "people_present": 3,
                                                              "aspirations": 0})
    assert f"Fasilitasi Pemberdayaan Ormas {tag}" in line
    async with httpx.AsyncClient(base_url=platform.urls["notifications"], timeout=30) as nt:
        assert (await nt.get(f"/kegiatan/{k['id']}/deliveries", headers=op)).status_code == 404  # no letter went


async def test_capacity_is_held_at_rsvp_with_a_waiting_list_first_come_first(ev, headers, platform, kafka):
    import asyncio

    op = headers("operator", "35.75")
    tag = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as reg:
        ids = [(await create_ormas(reg, op, name=f"Ormas Kursi {tag} {i}", kind="ormas", region="35.75",
                                   email=f"k{i}@{tag}.id"))["id"] for i in range(5)]
    k = await create_kegiatan(ev, op, capacity=3, seats_per_ormas=2)
    await set_invitees_when_copied(ev, op, k["id"], {"ormas_ids": ids}, 5)
    assert (await step(ev, op, k["id"], "publish")).status_code == 200
    links = {e["data"]["ormas_id"]: rsvp_api(e["data"]["change"]["rsvp_url"])
             for e in await invitations(kafka, platform.topic("events.participation"), k["id"], 5)}
    # four answers at once for three seats: exactly three are seated, one waits
    got = await asyncio.gather(*(ev.post(links[i], json={"attending": True, "delegates": [f"Ketua {i[:4]}"]})
                                 for i in ids[:4]))
    assert [r.status_code for r in got] == [200] * 4
    waiting = [i for i, r in zip(ids[:4], got) if r.json()["status"] == "waitlisted"]
    assert len(waiting) == 1 and "daftar tunggu" in (await ev.get(links[waiting[0]].replace("/api/rsvp/", "/rsvp/"))).text
    att = (await ev.get(f"/kegiatan/{k['id']}/attendance", headers=op)).json()
    assert (att["seats_taken"], att["attending"], att["waitlisted"]) == (3, 3, 1)
    seated = next(i for i, r in zip(ids[:4], got) if r.json()["status"] != "waitlisted")
    r = await ev.post(links[seated], json={"attending": True, "delegates": ["Ketua", "Sekretaris"]})
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "delegates"  # no room for a second delegate
    r = await ev.post(links[ids[4]], json={"attending": True, "delegates": ["Ketua"]})
    assert r.json()["status"] == "waitlisted"  # second in line
    r = await ev.post(links[seated], json={"attending": False, "reason": "Berhalangan"})  # one seat comes free
    assert r.status_code == 200
    first = (await ev.get(links[waiting[0]])).json()
    assert first["status"] == "responded" and first["attending"] is True  # the first in line got it
    assert (await ev.get(links[ids[4]])).json()["status"] == "waitlisted"
    att = (await ev.get(f"/kegiatan/{k['id']}/attendance", headers=op)).json()
    assert (att["seats_taken"], att["attending"], att["waitlisted"], att["declined"]) == (3, 3, 1, 1)


async def test_the_letters_short_link_leads_to_the_participants_rsvp_page(ev, published):
    inv = published["invited"][0]["data"]
    short = inv["change"]["short_url"]
    r = await ev.get("/r/" + short.split("/r/", 1)[1])  # as the phone opens it
    assert r.status_code == 303 and r.headers["location"].startswith(f"/rsvp/{published['k']['id']}/")
    page = await ev.get(r.headers["location"])
    assert page.status_code == 200 and inv["name"] in page.text
    assert (await ev.get("/r/aaaaaaaaaa")).status_code == 404  # unknown, the page says so in Indonesian
    assert "Tautan tidak berlaku" in (await ev.get("/r/aaaaaaaaaa")).text
    assert (await ev.get("/r/bukan-kode!")).status_code == 404
