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
    assert "Kegiatan menurut wilayah,Kota Surabaya (35.78),2" in reports.to_csv(
        {**FIGURES, "kegiatan": {**FIGURES["kegiatan"], "kegiatan": {**FIGURES["kegiatan"]["kegiatan"], "by_child": {"35.78": 2}}}}
    ).decode("utf-8-sig")
    wb = load_workbook(io.BytesIO(reports.to_xlsx(FIGURES, "Laporan")))
    values = [r for r in wb["Laporan"].iter_rows(values_only=True)]
    assert ("Ormas", "Jumlah ormas", 329) in values and ("Kegiatan", "Jumlah kegiatan", 2) in values
    assert wb["Ormas per wilayah"]._charts  # the bar chart
    pdf = reports.to_pdf(FIGURES, "Laporan Bulanan", dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1500


LISTED = {**FIGURES, "kegiatan_list": [
    {"kegiatan_id": "k1", "title": "Fasilitasi Pemberdayaan Ormas dan LSM", "type": "fasilitasi", "status": "completed",
     "starts_at": dt.datetime(2018, 4, 10, 1, tzinfo=dt.UTC), "ends_at": dt.datetime(2018, 4, 11, 9, tzinfo=dt.UTC),
     "zone": "WIB", "venue_name": "Rumah Makan Gedoeng Woloe", "venue_region": "35.75", "invited": 70, "attending": 70,
     "declined": 0, "checked_in": 70, "walk_ins": 1, "people_present": 71, "aspirations": 0},
    {"kegiatan_id": "k2", "title": "Dialog LSM", "type": "dialog", "status": "ongoing",
     "starts_at": dt.datetime(2018, 4, 30, 20, tzinfo=dt.UTC), "ends_at": None, "zone": None,
     "venue_name": None, "venue_region": "35.75", "invited": 12, "attending": 5, "declined": 3, "checked_in": 0,
     "walk_ins": 0, "people_present": 0, "aspirations": 2}]}


def test_the_list_of_kegiatan_gives_each_its_dates_in_the_venue_zone_its_place_and_its_counts():
    lines = reports.kegiatan_lines(LISTED)
    assert lines[0] == ("10 April 2018 s.d. 11 April 2018", "Fasilitasi Pemberdayaan Ormas dan LSM", "Fasilitasi",
                        "Rumah Makan Gedoeng Woloe, Kota Pasuruan", "Selesai", 70, 70, 0, 70, 1, 71, 0, "k1")
    # 20.00 UTC on 30 April is 1 May in Pasuruan; a row from before venues were copied still reads
    assert lines[1][:5] == ("1 Mei 2018", "Dialog LSM", "Dialog", "Kota Pasuruan", "Berlangsung")
    assert len(lines[1]) == len(reports.LIST_COLUMNS)
    assert reports.kegiatan_lines(FIGURES) == []  # a national report lists none


def test_every_format_carries_the_list_of_kegiatan():
    import csv

    table = list(csv.reader(io.StringIO(reports.to_csv(LISTED).decode("utf-8-sig"))))
    at = table.index([reports.LIST_TITLE])
    assert table[at - 1] == [] and table[at + 1] == list(reports.LIST_COLUMNS)
    assert [r[-1] for r in table[at + 2:]] == ["k1", "k2"] and table[at + 2][8] == "70"
    assert all(len(r) == 3 for r in table[1:at - 1])  # the figures' table above is untouched
    wb = load_workbook(io.BytesIO(reports.to_xlsx(LISTED, "Laporan")))
    sheet = list(wb[reports.LIST_TITLE].iter_rows(values_only=True))
    assert sheet[0] == reports.LIST_COLUMNS and sheet[1][-1] == "k1" and sheet[2][5] == 12
    long = {**LISTED, "kegiatan_list": [{**LISTED["kegiatan_list"][0], "title": "Sosialisasi " * 40}] * 300}
    with_list = reports.to_pdf(long, "Laporan", dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    without = reports.to_pdf(FIGURES, "Laporan", dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert with_list.count(b"/Type /Page\n") > without.count(b"/Type /Page\n") + 4  # 300 lines span pages
