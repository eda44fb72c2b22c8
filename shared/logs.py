"""JSON logs with the trace id of the request or event being handled, and personal data masked.

Every line names the trace it belongs to (``trace_id``, the OpenTelemetry trace of ``shared/tracing.py``)."""

from __future__ import annotations

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

from shared import tracing

# NIK: 16 digits. Phone numbers: +62… / 62… / 08… with 8 to 13 more digits, separators allowed.
_NIK = re.compile(r"(?<![\d.])(\d{4})\d{8}(\d{4})(?!\d)")  # not the decimals of a number
_PHONE = re.compile(r"(?<![\d+])(\+?62[ \-.]?|0)(8\d)[\d\- .]{5,11}(\d{3})(?!\d)")


def mask_personal_data(text: str) -> str:
    text = _NIK.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    return _PHONE.sub(lambda m: m.group(1) + m.group(2) + "******" + m.group(3), text)


class _ContextFilter(logging.Filter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.trace_id = tracing.current_trace_id()
        return True


def _masked(value):
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(v) for v in value]
    return value


class MaskingJsonFormatter(JsonFormatter):
    """Masks every string of the record (message, arguments, extras, the traceback) before the JSON
    is written, so that a masked line stays valid JSON."""

    def process_log_record(self, log_data):
        return _masked(super().process_log_record(log_data))


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(MaskingJsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(trace_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    ))
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiokafka", "kafka", "pymongo", "httpx"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
