"""Reporting's early-warning figures and the weekly situation report, from rows (no I/O)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from services.reporting.domain import earlywarning, reports

T = dt.datetime(2020, 12, 1, 12, 30, tzinfo=dt.UTC)  # Tuesday of week 49, eight days before the Pilkada


def row(i: int, region: str, **kw) -> dict:
    data = {"report_id": f"r{i}", "region": region, "location_code": region + ".01", "title": f"Laporan {i}",
            "category": "politik_pemilu", "severity": "sedang", "status": "diterima", "source_kind": "anggota_tim",
            "occurred_at": T.isoformat(), "received_at": T.isoformat(), "verified_at": None, "resolved_at": None,
            "version": 1, "parties": [], "kegiatan_ids": []}
    data.update({k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in kw.items()})
    return {"_id": data["report_id"], **earlywarning.row(data)}


def test_the_figures_roll_up_by_child_and_count_the_week_and_the_trend():
    rows = [row(1, "35.75", severity="tinggi", verified_at=T + dt.timedelta(hours=2)),
            row(2, "35.75", severity="kritis", status="ditangani", verified_at=T + dt.timedelta(hours=4)),
            row(3, "35.73", category="sara", status="selesai", verified_at=T + dt.timedelta(hours=1),
                resolved_at=T + dt.timedelta(hours=30)),
            row(4, "35.73", received_at=T - dt.timedelta(weeks=1), status="tidak_terbukti")]
    f = earlywarning.figures(rows, "35", week="2020-W49", weeks=4)
    assert f["total"] == 4 and f["open"] == 2
    assert f["by_child"] == {"35.73": 2, "35.75": 2}
    assert f["by_category"] == {"politik_pemilu": 3, "sara": 1}
    assert f["by_status"]["selesai"] == 1 and f["by_severity"]["kritis"] == 1
    assert [r["report_id"] for r in f["open_critical"]] == ["r2", "r1"]  # kritis first
    assert f["trend"] == [{"week": "2020-W46", "received": 0, "tinggi_kritis": 0},
                          {"week": "2020-W47", "received": 0, "tinggi_kritis": 0},
                          {"week": "2020-W48", "received": 1, "tinggi_kritis": 0},
                          {"week": "2020-W49", "received": 3, "tinggi_kritis": 2}]
    assert f["mean_hours_to_verify"] == pytest.approx(7 / 3, abs=0.05) and f["mean_hours_to_resolve"] == 30.0
    assert f["week"]["received"] == 3 and [r["report_id"] for r in f["week"]["reports"]] == ["r1", "r2", "r3"]
    city = earlywarning.figures([r for r in rows if r["region"] == "35.75"], "35.75", week="2020-W49")
    assert city["by_child"] == {} and city["total"] == 2


def test_a_week_is_a_period_of_the_compiled_reports():
    today = dt.date(2020, 12, 2)
    assert reports.parse_period("2020-W49", today) == ("week", "2020-11", "2020-12")
    assert reports.title("35", "2020-W49", "week") == ("Laporan Situasi Mingguan Kewaspadaan Dini — Provinsi Jawa Timur — "
                                                       "Minggu ke-49 Tahun 2020 (30 November 2020 s.d. 6 Desember 2020)")
    for bad in ("2020-W50", "2021-W53", "2020-W00", "2020-W7"):
        with pytest.raises(reports.InvalidReport):
            reports.parse_period(bad, today)
    assert reports.parse_period("2020-W53", dt.date(2021, 1, 1))[0] == "week"


def test_the_situation_report_carries_its_figures_and_lists_in_every_format():
    rows = [row(1, "35.75", severity="kritis", title="Bentrok di Karangketug"), row(2, "35.73", category="sara")]
    figures = {"earlywarning": earlywarning.figures(rows, "35", week="2020-W49")}
    heading = reports.title("35", "2020-W49", "week")
    table = list(csv.reader(io.StringIO(reports.to_csv(figures).decode("utf-8-sig"))))
    assert ["Minggu ini", "Laporan diterima", "2"] in table
    assert ["Minggu ini menurut tingkat", "Kritis", "1"] in table
    assert ["Laporan tinggi dan kritis yang masih terbuka"] in table
    assert any(line[1] == "Bentrok di Karangketug" for line in table if len(line) > 2)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(reports.to_pdf(figures, heading, T))).pages)
    assert "Laporan Situasi Mingguan" in text and "Bentrok di Karangketug" in text
    assert reports.to_xlsx(figures, heading)[:2] == b"PK"
