"""Reading an office's spreadsheet: headers as offices write them, values as they type them."""

import datetime as dt

import pytest

from services.registry.adapters import spreadsheets
from services.registry.domain import importing
from services.registry.domain.importing import BadFile

NOW = dt.datetime(2018, 4, 30, 3, tzinfo=dt.UTC)
HEADER = ["No", "Nama Ormas", "Singkatan", "Jenis", "Bentuk Hukum", "Kab/Kota", "No. HP", "Bidang",
          "Nomor SKT", "Tanggal SKT", "Tanggal Berdiri"]


def _plan(*rows, **kw):
    return importing.plan([HEADER, *rows], office=kw.pop("office", "35.75"), actor="op", now=NOW, **kw)


def test_headers_values_and_dates_as_offices_write_them():
    p = _plan([1, "Pemuda Pancasila", "PP", "Organisasi Kemasyarakatan", "Tidak Berbadan Hukum", "Kota Pasuruan",
               "0812-3456-7890", "Sosial; Kepemudaan", "220/15/423.202/2017", "10 April 2017", "28/10/1959"])
    assert p.errors == [] and p.ignored_columns == ["No"]
    (row, doc), = p.docs
    assert row == 2 and doc["region"] == "35.75" and doc["kind"] == "ormas" and doc["phone"] == "+6281234567890"
    assert doc["bidang"] == ["sosial", "kepemudaan"] and doc["founding_date"] == "1959-10-28"
    assert doc["skt"] == {"number": "220/15/423.202/2017", "issued_on": "2017-04-10", "valid_until": "2022-04-10"}
    assert doc["status"] == "registered" and doc["_id"] == importing.import_id("35.75", "PEMUDA  pancasila")


def test_an_skt_that_ran_out_imports_as_expired_and_a_yayasan_as_legal_entity():
    p = _plan([1, "LSM Lama", "", "LSM", "", "35.75", "", "", "1/2010", "2010-01-05", ""],
              [2, "Yayasan Amal", "", "Ormas", "Yayasan", "35.75", "", "", "", "", ""])
    assert [r.field for r in p.errors] == ["decree_number"]  # a yayasan without its decree
    assert p.docs[0][1]["status"] == "expired"


@pytest.mark.parametrize("row,field", [
    ([1, "", "", "", "", "35.75", "", "", "", "", ""], "name"),
    ([1, "A", "", "Partai", "", "35.75", "", "", "", "", ""], "kind"),
    ([1, "A", "", "", "", "Kota Atlantis", "", "", "", "", ""], "region"),
    ([1, "A", "", "", "", "35.73", "", "", "", "", ""], "region"),  # another office's city
    ([1, "A", "", "", "", "35.75", "12", "", "", "", ""], "phone"),
    ([1, "A", "", "", "", "35.75", "", "", "9/2017", "", ""], "skt_issued_on"),
    ([1, "A", "", "", "", "35.75", "", "", "9/2017", "31/02/2017", ""], "skt_issued_on"),
    ([1, "A", "", "", "", "35.75", "", "", "", "", "2019-01-01"], "founding_date"),
])
def test_each_bad_row_is_reported_with_its_row_and_field(row, field):
    p = _plan([1, "Baik", "", "", "", "35.75", "", "", "", "", ""], row)
    assert len(p.docs) == 1 and [(e.row, e.field) for e in p.errors] == [(3, field)]


def test_the_same_ormas_twice_in_one_file_is_refused_the_second_time():
    p = _plan([1, "Karang Taruna", "", "OKP", "", "35.75", "", "", "", "", ""],
              [2, "KARANG TARUNA.", "", "OKP", "", "35.75", "", "", "", "", ""])
    assert len(p.docs) == 1 and p.errors[0].row == 3 and "row 2" in p.errors[0].message


def test_a_file_without_a_name_column_or_too_long_is_refused_whole():
    with pytest.raises(BadFile):
        importing.plan([["Alamat", "Email"], ["x", "y"]], office="35.75", actor="op", now=NOW)
    with pytest.raises(BadFile):
        importing.plan([], office="35.75", actor="op", now=NOW)


def test_a_custom_mapping_names_unusual_headers():
    p = importing.plan([["Organisasi", "Kode"], ["Forum RT", "35.75"]], office="35.75", actor="op", now=NOW,
                       custom_mapping={"Organisasi": "name", "Kode": "region"})
    assert p.docs[0][1]["name"] == "Forum RT"


def test_csv_and_xlsx_round_trip_through_the_export_shape():
    header = list(importing.EXPORT_HEADERS.values())
    row = ["Paguyuban Seni", "PS", "ormas", "tidak_berbadan_hukum", None, "kabupaten_kota", "35.75", "Jl. A",
           None, "+6281234567890", None, "seni", None, None, "1/2017", "2017-01-02", "2022-01-02", "expired"]
    for kind, data in (("csv", spreadsheets.write_csv(header, [row])), ("xlsx", spreadsheets.write_xlsx(header, [row]))):
        assert spreadsheets.kind_of(f"x.{kind}", None, data[:100]) == kind
        rows = spreadsheets.read_rows(data, kind)
        p = importing.plan(rows, office="35.75", actor="op", now=NOW)
        assert p.errors == [] and p.docs[0][1]["skt"]["valid_until"] == "2022-01-02", kind
        assert "Status" in p.ignored_columns


@pytest.mark.parametrize("name,ctype,head", [
    ("x.pdf", "application/pdf", b"%PDF-1.4"), ("x.xlsx", None, b"not a zip"), ("x.csv", "text/csv", b"\x00\x01\x02"),
])
def test_wrong_file_types_are_refused(name, ctype, head):
    with pytest.raises(BadFile):
        spreadsheets.kind_of(name, ctype, head)


def test_xlsx_export_drops_characters_a_worksheet_cannot_hold():
    data = spreadsheets.write_xlsx(["Nama Ormas"], [["Lama\x01Data"]])
    assert spreadsheets.read_rows(data, "xlsx")[1] == ["LamaData"]
