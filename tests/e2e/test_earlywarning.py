"""Early warning end to end: reports of potential social conflict received from the team and the
public, verified, handled through a kegiatan of the events service, resolved; escalations reaching
the province's team by e-mail and WhatsApp; the rules and bad input of the API."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import json
import uuid

import httpx
import pytest

from tests.e2e.earlywarning_support import PNG, add_member, create_report, report_body, step
from tests.e2e.events_support import create_kegiatan, create_ormas, set_invitees_when_copied
from tests.e2e.events_support import step as ev_step
from tests.helpers import eventually

pytestmark = pytest.mark.e2e
PROBLEM = "application/problem+json"


@pytest.fixture()
async def ew(platform):
    async with httpx.AsyncClient(base_url=platform.urls["earlywarning"], timeout=30) as client:
        yield client


def _mails(mailbox, marker: str) -> list[email.message.EmailMessage]:
    return mailbox.messages(marker)


def _whatsapp(providers_dir, needle: str) -> list[dict]:
    path = providers_dir / "whatsapp.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [r for r in (json.loads(line) for line in lines if line) if needle in json.dumps(r)]


async def test_article_003_tension_before_the_pilkada_is_reported_verified_handled_and_resolved(
        platform, headers, ew):
    """Kota Pasuruan, before the Pilkada of 9 December 2020: a team member reports rising tension
    between two groups in one kelurahan; the province's team is told; it is verified, handled by a
    dialog kegiatan, and resolved."""
    city_head, province_head = headers("head", "35.75"), headers("head", "35")
    tag = uuid.uuid4().hex[:6]
    head = await add_member(ew, city_head, name=f"Kepala Bakesbangpol {tag}", email=f"kepala.{tag}@pasuruankota.go.id",
                            head=True, verifier=True)
    intel = await add_member(ew, city_head, name=f"Kasat Intelkam {tag}", position="Kasat Intelkam Polres Pasuruan Kota",
                             whatsapp=f"+62812{uuid.uuid4().int % 10**7:07d}")
    province = await add_member(ew, province_head, name=f"Tim Provinsi {tag}", email=f"tim.{tag}@jatimprov.go.id")
    team = (await ew.get("/team", headers=city_head)).json()
    assert {head["id"], intel["id"]} <= {m["id"] for m in team}

    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        a = await create_ormas(reg, headers("operator", "35.75"), name=f"Pemuda Pancasila Pasuruan {tag}",
                               kind="ormas", region="35.75")
    # parties are picked from the service's own copy of the registry
    found = await eventually(lambda: _found(ew, city_head, tag), what="the registry copy of earlywarning")
    assert found[0]["id"] == a["id"]

    member = headers("operator", "35.75")
    report = await create_report(ew, member, title=f"Ketegangan dua kelompok pendukung {tag}",
                                 occurred_at="2020-12-01T19:30:00+07:00", violence="ancaman", spread=True,
                                 people_estimate=150, parties=[{"ormas_id": a["id"]}, {"name": "Kelompok pendukung B"}])
    assert report["severity"] == "tinggi" and report["status"] == "diterima"
    assert report["parties"][0] == {"ormas_id": a["id"], "name": a["name"]}
    assert report["reporter"] is None  # an operator never sees who reported
    assert "tinggi" in report["escalated"]

    # tinggi: the province's team by e-mail, the city's by WhatsApp, at once
    mail = await eventually(lambda: _async(_mails(platform.infra.mailbox, f"tim.{tag}@jatimprov.go.id")),
                            what="the province's alert e-mail", timeout=60)
    assert mail[0]["Subject"] == f"PERINGATAN DINI TINGGI: Ketegangan dua kelompok pendukung {tag}"
    body = mail[0].get_body(("plain",)).get_content()
    assert "Karangketug, Gadingrejo, Kota Pasuruan" in body and "1 Desember 2020 pukul 19.30 WIB" in body
    assert f"/peringatan-dini/{report['id']}" in body
    wa = await eventually(lambda: _async(_whatsapp(platform.infra.providers_dir, intel["whatsapp"].lstrip("+"))),
                          what="the WhatsApp alert", timeout=60)
    assert wa[0]["template"] == "kesbang_peringatan_dini"
    assert province["id"] != head["id"]

    verifier = headers("verifier", "35.75")
    full = (await ew.get(f"/reports/{report['id']}", headers=verifier)).json()
    assert full["reporter"]["subject"] == "tester"  # the verifier sees who reported
    assert (await ew.get(f"/reports/{report['id']}", headers=headers("analyst", "35"))).json()["reporter"] is None

    report = await step(ew, verifier, report, "verification", {"proven": True, "note": "Dicek ke lokasi bersama Babinsa"})
    assert report["status"] == "diverifikasi" and report["verified_at"]
    r = await ew.put(f"/reports/{report['id']}/assignee", json={"member_id": intel["id"]},
                     headers={**verifier, "If-Match": f'"{report["version"]}"'})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["assignee"]["name"] == intel["name"]

    # handled by a dialog kegiatan of the events service, linked by id and followed through its events
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=30) as ev:
        start = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
        dialog = await create_kegiatan(ev, member, title=f"Dialog Kebangsaan Jelang Pilkada {tag}", type="dialog",
                                       starts_at=start.isoformat(), ends_at=(start + dt.timedelta(hours=3)).isoformat(),
                                       rsvp_cutoff=None)
        await set_invitees_when_copied(ev, member, dialog["id"], {"ormas_ids": [a["id"]]}, 1)
        dialog = (await ev.get(f"/kegiatan/{dialog['id']}", headers=member)).json()
        report = await step(ew, member, report, "handling", {"note": "Dialog dengan kedua kelompok"})
        report = await step(ew, member, report, "actions", {"text": "Dialog kedua kelompok difasilitasi",
                                                            "kegiatan_id": dialog["id"]})
        for action in ("publish", "start"):
            r = await ev_step(ev, {**member, "If-Match": f'"{dialog["version"]}"'}, dialog["id"], action)
            assert r.status_code == 200, r.text
            dialog = r.json()

    async def linked():
        doc = (await ew.get(f"/reports/{report['id']}", headers=member)).json()
        k = doc["actions"][0]["kegiatan"]
        return doc if k and k["status"] == "ongoing" else None

    report = await eventually(linked, what="the report to follow its kegiatan", timeout=60)
    assert report["actions"][0]["kegiatan"]["title"] == dialog["title"]
    report = await step(ew, member, report, "resolution", {"note": "Kedua kelompok sepakat menjaga Pilkada damai"})
    assert report["status"] == "selesai" and report["allowed_steps"] == []
    assert [t["action"] for t in report["timeline"]] == ["diterima", "dieskalasi", "diverifikasi", "ditugaskan",
                                                        "ditangani", "tindak_lanjut", "selesai"]

    # the province sees it counted, and in its weekly situation report; the city sends its own up
    analyst = headers("analyst", "35")
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=30) as rp:
        async def counted():
            s = (await rp.get("/stats/earlywarning", headers=analyst)).json()
            mine = [r for r in s["week"]["reports"] if r["report_id"] == report["id"]]
            return s if mine and mine[0]["status"] == "selesai" else None

        stats = await eventually(counted, what="reporting to count the resolved report", timeout=60)
        assert stats["region"] == "35" and stats["by_child"]["35.75"] >= 1
        assert stats["mean_hours_to_resolve"] is not None and stats["trend"][-1]["week"] == stats["week"]["week"]
        week = stats["week"]["week"]
        situation = await _compiled(rp, analyst, "35", week)
        csv_text = (await rp.get(f"/reports/{situation['id']}/files/csv", headers=analyst)).content.decode("utf-8-sig")
        assert report["title"] in csv_text and "Karangketug, Gadingrejo, Kota Pasuruan" in csv_text
        assert situation["title"].startswith("Laporan Situasi Mingguan Kewaspadaan Dini — Provinsi Jawa Timur — Minggu ke-")
        city = await _compiled(rp, city_head, "35.75", week)
        r = await rp.post(f"/reports/{city['id']}/submission", headers=city_head)
        assert r.status_code == 200, r.text
        inbox = (await rp.get("/reports/inbox", headers=province_head)).json()["items"]
        assert city["id"] in [i["id"] for i in inbox]


async def _compiled(rp, headers, region: str, period: str) -> dict:
    r = await rp.post("/reports", json={"region": region, "period": period, "formats": ["csv", "pdf"], "refresh": True},
                      headers=headers)
    assert r.status_code == 202, r.text

    async def done():
        doc = (await rp.get(f"/reports/{r.json()['id']}", headers=headers)).json()
        assert doc["status"] != "failed", doc
        return doc if doc["status"] == "done" else None

    return await eventually(done, what=f"the situation report of {region}", timeout=90)


async def _found(ew, headers, tag):
    return (await ew.get("/ormas", params={"q": tag}, headers=headers)).json()


async def _async(value):
    return value


def public(**over) -> dict:
    """A report as the public sends it: no source kind (it is the public's)."""
    return {k: v for k, v in report_body(**over).items() if k != "source_kind"}


async def test_the_public_reports_anonymously_within_bounds_and_limits(platform, headers, ew):
    client = {"X-Forwarded-For": f"203.0.113.{uuid.uuid4().int % 250 + 1}"}  # one person's address
    photo = {"name": "foto.png", "data_base64": base64.b64encode(PNG).decode()}
    r = await ew.post("/public/reports", json={**public(violence="tidak_ada", people_estimate=25), "photos": [photo]},
                      headers=client)
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"id", "severity", "status"}  # nothing else goes back to the public
    rid = r.json()["id"]
    seen = (await ew.get(f"/reports/{rid}", headers=headers("verifier", "35.75"))).json()
    assert seen["source_kind"] == "publik" and seen["reporter"]["anonymous"] is True
    assert seen["severity"] == "sedang" and seen["photos"][0]["content_type"] == "image/png"
    got = await ew.get(f"/reports/{rid}/photos/{seen['photos'][0]['id']}", headers=headers("verifier", "35.75"))
    assert got.content == PNG and got.headers["content-type"] == "image/png"
    assert (await ew.get(f"/reports/{rid}", headers=headers("verifier", "35.73"))).status_code == 404

    bad = [({"photos": [{"data_base64": base64.b64encode(b"%PDF-1.7 not a photo").decode()}]}, "photos.0"),
           ({"photos": [photo] * 4}, "photos"),
           ({"location_code": "35.75.01.9999"}, "location_code"),
           ({"category": "gosip"}, "category"),
           ({"chronology": "Kronologi\x00 dengan karakter kendali"}, "chronology"),
           ({"occurred_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()}, "occurred_at"),
           ({"source_kind": "staf"}, "source_kind")]  # the public cannot claim to be staff
    for over, field in bad:
        r = await ew.post("/public/reports", json={**public(), **over}, headers=client)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, (over, r.text)
        assert any(e["field"].startswith(field) for e in r.json()["errors"]), r.json()
    huge = {"data_base64": base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024)).decode()}
    r = await ew.post("/public/reports", json={**public(), "photos": [huge]}, headers=client)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM

    statuses = []
    for _ in range(40):  # the limit is per client address and minute
        statuses.append((await ew.post("/public/reports", json=public(violence="tidak_ada", people_estimate=1),
                                       headers=client)).status_code)
        if statuses[-1] == 429:
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {201}
    other = {"X-Forwarded-For": "198.51.100.9"}
    assert (await ew.post("/public/reports", json=public(violence="tidak_ada"), headers=other)).status_code == 201


async def test_the_workflow_refuses_what_it_does_not_allow(platform, headers, ew):
    op, verifier, analyst = headers("operator", "35.73"), headers("verifier", "35.73"), headers("analyst", "35")
    report = await create_report(ew, op, location_code="35.73.01", violence="tidak_ada", people_estimate=3)
    assert report["severity"] == "rendah" and report["escalated"] == {}

    async def post(path, body, who=verifier, version=None):
        return await ew.post(f"/reports/{report['id']}/{path}", json=body,
                             headers={**who, "If-Match": f'"{version or report["version"]}"'})

    r = await post("resolution", {"note": "selesai"})
    assert r.status_code == 409 and r.json()["allowed"] == ["diverifikasi", "tidak_terbukti"]
    r = await post("verification", {"proven": False})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
    r = await post("verification", {"proven": True, "severity": "kritis"})
    assert r.status_code == 422  # another severity than the rubric's needs a reason
    r = await post("verification", {"proven": True}, version=report["version"] + 5)
    assert r.status_code == 412
    r = await post("verification", {"proven": True}, who=op)
    assert r.status_code == 403  # an operator does not verify
    r = await post("verification", {"proven": True}, who=headers("verifier", "35.75"))
    assert r.status_code == 404  # another office's report looks like none
    r = await ew.post("/reports", json=report_body(location_code="35.73.01", parties=[{"ormas_id": "no-such-ormas"}]),
                      headers=op)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parties.0.ormas_id"
    r = await ew.post("/reports", json=report_body(location_code="35.75.01"), headers=op)
    assert r.status_code == 404  # Kota Pasuruan is not Kota Malang's to report on
    assert (await ew.post("/reports", json=report_body(location_code="35.73.01"), headers=analyst)).status_code == 403

    r = await post("verification", {"proven": True, "severity": "kritis", "note": "Ada senjata tajam"})
    assert r.status_code == 200, r.text
    raised = r.json()
    assert raised["severity"] == "kritis" and raised["rubric_severity"] == "rendah" and "kritis" in raised["escalated"]
    # the province sees the city's open reports, and the kritis ones on its board
    board = (await ew.get("/reports", params={"open": True, "severity": "kritis"}, headers=analyst)).json()
    assert raised["id"] in [i["id"] for i in board["items"]]
    assert all(i["reporter"] is None and i["chronology"] is None for i in board["items"])
    r = await ew.post(f"/reports/{report['id']}/verification", json={"proven": True},
                      headers={**verifier, "If-Match": f'"{raised["version"]}"'})
    assert r.status_code == 409  # verified once
    assert (await ew.get("/reports", params={"cursor": "x"}, headers=analyst)).status_code == 422
    assert (await ew.get("/reports", params={"region": "36"}, headers=analyst)).status_code == 404
