"""The early-warning rules: the severity rubric, the workflow, escalation and its timing."""

from __future__ import annotations

import datetime as dt

import pytest

from services.earlywarning.domain import reports as domain
from services.reporting.domain import earlywarning as figures
from shared import errors

T0 = dt.datetime(2020, 12, 1, 2, 0, tzinfo=dt.UTC)  # 09.00 WIB, eight days before the Pilkada


def report(**kw) -> dict:
    return {"status": "diterima", "severity": "rendah", "escalated": {}, "reminded_at": None, "received_at": T0, **kw}


@pytest.mark.parametrize("violence,people,spread,expected", [
    ("tidak_ada", None, False, "rendah"),
    ("tidak_ada", 19, False, "rendah"),
    ("tidak_ada", 20, False, "sedang"),
    ("tidak_ada", 5, True, "sedang"),
    ("ancaman", 5, False, "sedang"),
    ("ancaman", 5, True, "tinggi"),
    ("tidak_ada", 100, False, "tinggi"),
    ("bentrok", 10, False, "tinggi"),
    ("tidak_ada", 1000, False, "kritis"),
    ("korban", 3, False, "kritis"),
])
def test_the_rubric_gives_the_highest_row_any_fact_meets(violence, people, spread, expected):
    assert domain.assess(violence=violence, people_estimate=people, spread=spread) == expected


def test_the_workflow_goes_from_received_to_resolved_and_nowhere_else():
    doc = report()
    assert domain.allowed(doc) == ["diverifikasi", "tidak_terbukti"]
    domain.step(doc, "diverifikasi")
    with pytest.raises(domain.IllegalStep):
        domain.step(doc, "selesai")  # never resolved unverified
    with pytest.raises(errors.TransitionNotAllowed):
        domain.step(report(status="tidak_terbukti"), "ditangani")
    domain.step(report(status="diverifikasi"), "ditangani")
    domain.step(report(status="ditangani"), "selesai")
    assert domain.allowed(report(status="selesai")) == []


def test_tinggi_escalates_once_and_kritis_again_above_it():
    assert domain.escalation_due(report(severity="sedang")) is None
    assert domain.escalation_due(report(severity="tinggi")) == "tinggi"
    told = report(severity="tinggi", escalated={"tinggi": T0})
    assert domain.escalation_due(told) is None  # redone by no later change
    assert domain.escalation_due({**told, "severity": "kritis"}) == "kritis"  # raised at verification
    assert domain.escalation_due(report(severity="kritis", escalated={"kritis": T0})) is None
    assert domain.escalation_due(report(severity="kritis", status="tidak_terbukti")) is None


def test_an_escalation_tells_the_province_and_for_kritis_the_nation():
    assert domain.alert_levels("35.75", "tinggi") == ["35.75", "35"]
    assert domain.alert_levels("35.75", "kritis") == ["35.75", "35", ""]


def test_an_unverified_report_reminds_once_after_the_set_hours():
    within = dt.timedelta(hours=6)
    doc = report()
    assert not domain.reminder_due(doc, T0 + dt.timedelta(hours=5, minutes=59), within)
    assert domain.reminder_due(doc, T0 + dt.timedelta(hours=6), within)
    assert not domain.reminder_due({**doc, "reminded_at": T0 + within}, T0 + dt.timedelta(hours=9), within)
    assert not domain.reminder_due({**doc, "status": "diverifikasi"}, T0 + dt.timedelta(hours=9), within)


def test_a_place_is_an_official_code_down_to_the_kelurahan():
    where = domain.location("35.75.01.1001")
    assert where["name"] == "Karangketug" and where["kind"] == "kelurahan" and where["office_region"] == "35.75"
    assert "Kota Pasuruan" in where["path"]
    for bad in ("35", "35.75.01.9999", "99.99", " 35.75", "35.75.01.1001.1"):
        with pytest.raises(errors.Invalid):
            domain.location(bad)


def test_weeks_are_counted_in_the_offices_zone():
    sunday_night_utc = dt.datetime(2020, 12, 6, 18, 0, tzinfo=dt.UTC)  # Monday 01.00 WIB
    assert figures.week_of(sunday_night_utc) == "2020-W50"  # reporting counts the weeks
    assert figures.week_of(sunday_night_utc - dt.timedelta(hours=2)) == "2020-W49"
    assert figures.mean_hours([(T0, T0 + dt.timedelta(hours=2)), (T0, T0 + dt.timedelta(hours=4))]) == 3.0
    assert figures.mean_hours([]) is None
