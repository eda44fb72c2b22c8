"""Escalation timings against real FerretDB, with an injectable clock: a report still diterima six
hours after it arrived reminds its assignee and the office's head once — two sweeps at once remind
once, a verified report never — and a tinggi report escalates in the same write that records it."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from services.earlywarning.adapters.store import INDEXES, KegiatanCopy, RegistryCopy, Reports, Team
from services.earlywarning.application import reports as use
from shared import auth
from shared.mongo import ensure_indexes

pytestmark = pytest.mark.integration
T0 = dt.datetime(2020, 12, 1, 2, 0, tzinfo=dt.UTC)
SIX_HOURS = dt.timedelta(hours=6)


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class Woken:
    """Stands in for the outbox relay of the API process: what was named to it (its publishing is
    tested in test_outbox.py)."""

    def __init__(self):
        self.names: list[tuple[str, str]] = []

    def wake(self, collection: str, doc_id: str) -> None:
        self.names.append((collection, doc_id))


@pytest.fixture()
async def ports(mongo):
    db = mongo[f"it_ew_{uuid.uuid4().hex[:8]}"]
    await ensure_indexes(db, INDEXES)
    clock = Clock(T0)
    yield use.Ports(reports=Reports(db), team=Team(db), copy=RegistryCopy(db), kegiatan=KegiatanCopy(db),
                    relay=Woken(), clock=clock, web_url="https://kesbang.example.go.id")
    await mongo.drop_database(db.name)


def _body(**over) -> dict:
    return {"title": "Ketegangan menjelang Pilkada", "chronology": "Dua kelompok saling ancam di media sosial.",
            "location_code": "35.75.01.1001", "category": "politik_pemilu", "violence": "tidak_ada",
            "people_estimate": 5, "spread": False, "parties": [], "photos": [], **over}


async def _members(ports):
    head = auth.Principal("kepala", "head", "35.75")
    from services.earlywarning.application import team

    kepala = await team.add(ports.team, head, {"name": "Kepala", "email": "kepala@pasuruankota.go.id", "head": True})
    anggota = await team.add(ports.team, head, {"name": "Anggota", "whatsapp": "+6281234567001"})
    prov = await team.add(ports.team, auth.Principal("kaban", "head", "35"), {"name": "Provinsi", "email": "p@jatim.go.id"})
    return kepala, anggota, prov


async def _pending(ports, report_id: str) -> list[dict]:
    doc = await ports.reports.coll.find_one({"_id": report_id})
    return [e["event"] for e in doc["_outbox"]]


async def test_an_unverified_report_reminds_its_assignee_and_head_once_after_six_hours(ports):
    kepala, anggota, _ = await _members(ports)
    op = auth.Principal("petugas", "operator", "35.75")
    verifier = auth.Principal("verifikator", "verifier", "35.75")
    report = await use.receive(ports, op, _body())
    await use.assign(ports, verifier, report["_id"], anggota["_id"], None)
    verified = await use.receive(ports, op, _body(title="Sudah diverifikasi"))
    await use.verify(ports, verifier, verified["_id"], proven=True, severity=None, note=None, if_match=None)

    ports.clock.now = T0 + SIX_HOURS - dt.timedelta(seconds=1)
    assert await use.remind(ports, SIX_HOURS) == 0
    ports.clock.now = T0 + SIX_HOURS
    assert sorted(await asyncio.gather(use.remind(ports, SIX_HOURS), use.remind(ports, SIX_HOURS))) == [0, 1]
    ports.clock.now = T0 + 3 * SIX_HOURS
    assert await use.remind(ports, SIX_HOURS) == 0  # once

    reminders = [e for e in await _pending(ports, report["_id"]) if e["type"].endswith("reminder_due")]
    assert len(reminders) == 1
    change = reminders[0]["data"]["change"]
    assert sorted(r["name"] for r in change["recipients"]) == ["Anggota", "Kepala"]  # the province is not reminded
    assert change["hours"] == 6 and change["link"].endswith(f"/peringatan-dini/{report['_id']}")
    assert not [e for e in await _pending(ports, verified["_id"]) if e["type"].endswith("reminder_due")]
    doc = await ports.reports.get(report["_id"])
    assert doc["reminded_at"] == T0 + SIX_HOURS and doc["timeline"][-1]["action"] == "pengingat"


async def test_a_tinggi_report_escalates_in_the_write_that_records_it_and_kritis_once_more(ports):
    kepala, anggota, prov = await _members(ports)
    op = auth.Principal("petugas", "operator", "35.75")
    report = await use.receive(ports, op, _body(violence="bentrok", people_estimate=60))
    events = await _pending(ports, report["_id"])
    assert [e["type"].rsplit(".", 1)[1] for e in events] == ["received", "escalated"]
    alert = events[1]["data"]["change"]
    assert alert["level"] == "tinggi" and alert["urgent"] is False
    assert sorted(r["name"] for r in alert["recipients"]) == ["Anggota", "Kepala", "Provinsi"]
    assert "reporter" not in str(events)  # no event carries who reported

    verifier = auth.Principal("verifikator", "verifier", "35.75")
    raised = await use.verify(ports, verifier, report["_id"], proven=True, severity="kritis", note="Senjata tajam",
                              if_match=None)
    kritis = [e for e in await _pending(ports, report["_id"]) if e["type"].endswith("escalated")]
    assert [e["data"]["change"]["level"] for e in kritis] == ["tinggi", "kritis"]
    assert kritis[1]["data"]["change"]["urgent"] is True and set(raised["escalated"]) == {"tinggi", "kritis"}
    await use.handle(ports, verifier, report["_id"], note=None, if_match=None)
    assert len([e for e in await _pending(ports, report["_id"]) if e["type"].endswith("escalated")]) == 2  # no third
