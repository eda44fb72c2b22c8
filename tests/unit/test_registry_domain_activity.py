"""Activity reports per semester (laporan kegiatan ormas): periods, due dates, what a report keeps."""

from __future__ import annotations

import datetime as dt

import pytest

from services.registry.domain import activity
from shared import errors


def test_a_semester_has_its_bounds_and_is_due_at_the_end_of_the_next_month():
    assert activity.bounds("2026-S1") == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert activity.bounds("2026-S2") == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    assert activity.due_on("2026-S1") == dt.date(2026, 7, 31) and activity.due_on("2026-S2") == dt.date(2027, 1, 31)
    assert activity.period_of(dt.date(2026, 12, 2)) == "2026-S2" and activity.previous("2026-S1") == "2025-S2"
    assert activity.late("2026-S1", dt.date(2026, 8, 1)) and not activity.late("2026-S1", dt.date(2026, 7, 31))
    for bad in ("2026-S3", "2026-1", "26-S1", "2026-s1"):
        with pytest.raises(errors.FieldError):
            activity.bounds(bad)
    with pytest.raises(errors.FieldError):
        activity.check_open("2027-S1", dt.date(2026, 12, 2))


def test_a_report_keeps_activities_within_its_semester_and_known_funding():
    body = {"activities": [{"date": dt.date(2026, 8, 17), "title": "Lomba kemerdekaan", "people": 120}],
            "people_reached": 300, "funding_sources": ["iuran_anggota", "swasta", "iuran_anggota"]}
    kept = activity.report(body, "2026-S2")
    assert kept["activities"] == [{"date": "2026-08-17", "title": "Lomba kemerdekaan", "people": 120, "place": None}]
    assert kept["funding_sources"] == ["iuran_anggota", "swasta"]
    summary = activity.summary(kept, dt.datetime(2026, 12, 2, tzinfo=dt.UTC))
    assert summary["activities"] == 1 and summary["people_reached"] == 300
    with pytest.raises(errors.FieldError) as e:
        activity.report({**body, "activities": [{"date": dt.date(2026, 3, 1), "title": "x"}]}, "2026-S2")
    assert e.value.field == "activities.0.date"
    with pytest.raises(errors.FieldError):
        activity.report({**body, "funding_sources": ["judi"]}, "2026-S2")
