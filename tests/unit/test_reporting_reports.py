"""Compiled reports: periods, names, and the three files written from the same figures."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from services.reporting.domain import reports

TODAY = dt.date(2026, 11, 23)
FIGURES = {
    "ormas": {"total": 329, "by_status": {"registered": 300, "expired": 29}, "by_kind": {"ormas": 200, "lsm": 129},
              "by_child": {"35.75.01": 100, "35.75.02": 229}, "by_legal_form": {}, "by_bidang": {}, "sanctions": {},
              "skt_expiring_90_days": 4, "skt_expired": 29},
    "kegiatan": {"kegiatan": {"total": 2, "by_type": {"fasilitasi": 1, "dialog": 1}, "by_month": {"2026-11": 2},
                              "by_status": {"completed": 2}, "by_child": {}},
                 "participation": {"invited": 82, "attending": 75, "declined": 3, "checked_in": 70,
                                   "rsvp_rate": 0.951, "attendance_rate": 0.854},
                 "deliveries": {"email": {"sent": 80, "failed": 2}}, "aspirations": {"total": 2, "by_status": {"open": 2}}},
}


@pytest.mark.parametrize("period,expected", [
    ("2026-11", ("month", "2026-11", "2026-11")), ("2026-Q4", ("quarter", "2026-10", "2026-12")),
    ("2025", ("year", "2025-01", "2025-12")), ("2018-04", ("month", "2018-04", "2018-04")),
])
def test_periods(period, expected):
    assert reports.parse_period(period, TODAY) == expected


@pytest.mark.parametrize("period", ["2026-13", "2026-Q5", "26", "2026-12", "2027", "2010-01", "", "2026-11-01"])
def test_bad_or_future_periods_are_refused(period):
    with pytest.raises(reports.InvalidReport) as e:
        reports.parse_period(period, TODAY)
    assert e.value.field == "period"


def test_titles_in_bahasa_indonesia():
    assert reports.title("35.75", "2018-04", "month") == "Laporan Bulanan Ormas dan Kegiatan — Kota Pasuruan — April 2018"
    assert reports.title("35", "2026-Q4", "quarter").endswith("Provinsi Jawa Timur — Triwulan 4 Tahun 2026")
    assert reports.title("", "2025", "year").endswith("Nasional — Tahun 2025")


def test_every_format_carries_the_same_figures():
    csv_text = reports.to_csv(FIGURES).decode("utf-8-sig")
    assert "Ormas,Jumlah ormas,329" in csv_text and "Undangan,Tingkat kehadiran,85.4%" in csv_text
    wb = load_workbook(io.BytesIO(reports.to_xlsx(FIGURES, "Laporan")))
    values = [r for r in wb["Laporan"].iter_rows(values_only=True)]
    assert ("Ormas", "Jumlah ormas", 329) in values and ("Kegiatan", "Jumlah kegiatan", 2) in values
    assert wb["Ormas per wilayah"]._charts  # the bar chart
    pdf = reports.to_pdf(FIGURES, "Laporan Bulanan", dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1500
