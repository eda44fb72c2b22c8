import json
import logging

import pytest
from pydantic import ValidationError

from shared import logs
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
    token = logs.set_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    try:
        logging.getLogger("t").info("ketua NIK 3575014501900003 telp 081234567890")
    finally:
        logs.reset_traceparent(token)
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["trace_id"] == "0af7651916cd43dd8448eb211c80319c" and line["service"] == "unit"
    assert "3575014501900003" not in line["message"] and "081234567890" not in line["message"]


def test_new_traceparent_keeps_the_trace_and_makes_a_new_span():
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    child = logs.new_traceparent(parent)
    assert child.split("-")[1] == parent.split("-")[1] and child.split("-")[2] != parent.split("-")[2]
    assert logs.TRACEPARENT_RE.match(logs.new_traceparent("garbage"))


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
