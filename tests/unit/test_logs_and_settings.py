import json
import logging

import pytest
from pydantic import ValidationError

from shared import logs, tracing
from shared.settings import ServiceSettings


@pytest.mark.parametrize("text,hidden", [
    ("NIK 3575014501900003 ketua", "3575014501900003"),
    ("hubungi +6281234567890 segera", "+6281234567890"),
    ("hubungi 081234567890", "081234567890"),
    ("wa 62 812-3456-7890", "812-3456-7890"),
])
def test_personal_data_is_masked(text, hidden):
    masked = logs.mask_personal_data(text)
    assert hidden not in masked and "*" in masked


def test_log_lines_are_json_with_trace_id_and_masked(capsys):
    logs.configure_logging("unit", "INFO")
    tracing.setup("unit")
    with tracing.continued("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "unit"):
        logging.getLogger("t").info("ketua NIK 3575014501900003 telp 081234567890")
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["trace_id"] == "0af7651916cd43dd8448eb211c80319c" and line["service"] == "unit"
    assert "3575014501900003" not in line["message"] and "081234567890" not in line["message"]


def test_a_continued_trace_keeps_its_id_in_a_new_span_and_garbage_starts_a_new_trace():
    tracing.setup("unit")
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    with tracing.continued(parent, "child"):
        child = tracing.current_traceparent()
    assert child.split("-")[1] == parent.split("-")[1] and child.split("-")[2] != parent.split("-")[2]
    for garbage in ("garbage", b"00-zz-yy-01", None):
        with tracing.continued(garbage, "root"):
            fresh = tracing.current_traceparent()
        assert fresh and fresh.split("-")[1] not in (parent.split("-")[1], "0" * 32)
    assert tracing.current_traceparent() is None  # nothing left attached


def test_tracing_off_leaves_the_app_without_its_middleware(monkeypatch):
    from fastapi import FastAPI

    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    off = FastAPI()
    tracing.instrument_app(off)
    monkeypatch.setenv("OTEL_SDK_DISABLED", "false")
    on = FastAPI()
    tracing.instrument_app(on)
    assert not getattr(off, "_is_instrumented_by_opentelemetry", False)
    assert on._is_instrumented_by_opentelemetry


def test_settings_refuse_development_keys_outside_development(tmp_path, monkeypatch):
    dev = tmp_path / "jwt-dev-public.pem"
    dev.write_text("x")
    with pytest.raises(ValidationError, match="development key"):
        ServiceSettings(environment="production", jwt_public_key_file=dev)
    with pytest.raises(ValidationError, match="must be set"):
        ServiceSettings(environment="production")
    real = tmp_path / "office-public.pem"
    real.write_text("x")
    assert ServiceSettings(environment="production", jwt_public_key_file=real).environment == "production"
    assert ServiceSettings(environment="development", jwt_public_key_file=dev).jwt_public_key_file == dev


def test_each_service_reads_its_own_prefix(monkeypatch):
    from services.registry.settings import Settings as Registry
    from services.reporting.settings import Settings as Reporting

    monkeypatch.setenv("REGISTRY_MONGO_DB", "reg_db")
    monkeypatch.setenv("REPORTING_MONGO_DB", "rep_db")
    assert Registry().mongo_db == "reg_db" and Reporting().mongo_db == "rep_db"
    assert Registry(topic_prefix="t1.").topic("registry.ormas") == "t1.registry.ormas"


def test_a_masked_log_line_stays_json_and_numbers_stay_numbers():
    import io
    import json
    import logging

    from shared import logs

    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(logs.MaskingJsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log = logging.getLogger("test.masking")
    log.handlers, log.propagate = [handler], False
    log.warning("Task succeeded in %ss for 3575015505880003 at 081377712340", 0.25581234567890403,
                extra={"runtime": 0.25581234567890403, "officer": {"nik": "3575015505880003"}})
    line = json.loads(buf.getvalue())  # not broken by masking inside a number (Celery's runtime)
    assert line["runtime"] == 0.25581234567890403 and f"{0.25581234567890403}s" in line["message"]
    assert "3575015505880003" not in buf.getvalue() and "081377712340" not in buf.getvalue()
    assert line["officer"]["nik"] == "3575********0003"


def test_an_unexpected_error_answers_problem_json_naming_the_callers_trace():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from shared import web

    tracing.setup("unit")
    app = FastAPI()
    web.install_error_handlers(app)
    web.install_middleware(app)

    @app.get("/boom")
    async def boom():
        raise RuntimeError("NIK 3575014501900003")

    trace_id = "0af7651916cd43dd8448eb211c80319c"
    r = TestClient(app, raise_server_exceptions=False).get(
        "/boom", headers={"traceparent": f"00-{trace_id}-b7ad6b7169203331-01"})
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["trace_id"] == trace_id and "3575014501900003" not in r.text
