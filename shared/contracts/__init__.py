"""Event contracts: the CloudEvents 1.0 envelope and a versioned JSON Schema per event type.

Every event type the platform produces is listed in ``CONTRACTS`` with its topic and schema version;
the schema file is ``schemas/<name>.v<version>.json``. Producers validate before an event enters the
outbox; consumers validate on receipt and send what does not validate to ``<topic>.dlq``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_DIR = Path(__file__).parent / "schemas"
TYPE_PREFIX = "id.kesbang."
ENVELOPE_SCHEMA = SCHEMA_DIR / "cloudevent.v1.json"
EVENT_ID_NAMESPACE = uuid.UUID("0f5b2a4e-6d1c-5b8e-9a43-4b6e6b1f7a01")


class ContractError(ValueError):
    """A message that is not a valid platform event (kept apart from transient failures)."""


@dataclasses.dataclass(frozen=True)
class Contract:
    name: str  # "registry.ormas.created"
    topic: str  # logical topic, "registry.ormas"
    version: int

    @property
    def type(self) -> str:
        return TYPE_PREFIX + self.name

    @property
    def dataschema(self) -> str:
        return f"urn:kesbang:schema:{self.name}:v{self.version}"

    @cached_property
    def schema_file(self) -> Path:  # one Path, so the validators' caches hash it once
        return SCHEMA_DIR / f"{self.name}.v{self.version}.json"


CONTRACTS: dict[str, Contract] = {
    c.type: c
    for c in (
        *(Contract(f"registry.ormas.{e}", "registry.ormas", 1) for e in (
            "created", "updated", "contacts_changed", "officers_changed", "status_changed", "submitted",
            "registered", "skt_expiring", "sanction_applied", "sanction_lifted", "activity_reported",
            "activity_report_due")),
        Contract("registry.office.updated", "registry.office", 1),
        Contract("registry.account.verification_requested", "registry.account", 1),
        *(Contract(f"events.kegiatan.{e}", "events.kegiatan", 1) for e in (
            "published", "rescheduled", "started", "cancelled", "completed", "aspiration_recorded",
            "aspiration_updated")),
        *(Contract(f"events.participation.{e}", "events.participation", 1) for e in (
            "invited", "responded", "checked_in")),
        *(Contract(f"notifications.delivery.{e}", "notifications.delivery", 1) for e in (
            "sent", "delivered", "read", "failed", "unreachable")),
        *(Contract(f"earlywarning.report.{e}", "earlywarning.report", 1) for e in (
            "received", "verified", "dismissed", "handling", "resolved", "assigned", "action_recorded", "escalated",
            "reminder_due")),
    )
}


def contract_for(name: str) -> Contract:
    return CONTRACTS[TYPE_PREFIX + name]


@lru_cache(maxsize=None)
def _validator(path: Path) -> Draft202012Validator:
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@lru_cache(maxsize=None)
def _fast_validator(path: Path):
    import jsonschema_rs

    return jsonschema_rs.validator_for(json.loads(path.read_text()), validate_formats=True)


def _first_error(path: Path, instance: Any) -> str | None:
    """The first problem of ``instance`` under the schema at ``path``, or None. jsonschema-rs (Rust,
    about seven times faster) accepts what is valid; what it refuses is judged again, and described,
    by jsonschema, which stays the authority on what is refused and why."""
    if _fast_validator(path).is_valid(instance):
        return None
    error = next(iter(sorted(_validator(path).iter_errors(instance), key=lambda e: list(e.path))), None)
    if error is None:
        return None
    where = "/".join(str(p) for p in error.path) or "(root)"
    return f"{where}: {error.message}"


def deterministic_event_id(source: str, subject: str, sequence: int, name: str) -> str:
    """The same write always yields the same id, so a re-publish after a crash is recognisable."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{source}|{subject}|{sequence}|{name}"))


def make_event(
    name: str, *, source: str, subject: str, data: dict[str, Any], region: str, sequence: int,
    traceparent: str | None = None, time: dt.datetime | None = None, validate: bool = True,
) -> dict[str, Any]:
    """A CloudEvents 1.0 structured-mode event, validated against its contract (``validate=False``
    only for the many events of one fan-out built from already validated data, whose first one is
    validated: validation is most of the cost of building an event)."""
    contract = contract_for(name)
    event = {
        "specversion": "1.0",
        "id": deterministic_event_id(source, subject, sequence, name),
        "source": source,
        "type": contract.type,
        "subject": subject,
        "time": (time or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "dataschema": contract.dataschema,
        "region": region,
        "sequence": str(sequence),
        "data": data,
    }
    if traceparent:
        event["traceparent"] = traceparent
    if validate:
        validate_event(event)
    return event


def validate_event(event: Any) -> Contract:
    """Checks the envelope and the data against the type's schema; returns the contract."""
    problem = _first_error(ENVELOPE_SCHEMA, event)
    if problem:
        raise ContractError(f"envelope: {problem}")
    contract = CONTRACTS.get(event["type"])
    if contract is None:
        raise ContractError(f"unknown event type {event['type']!r}")
    if event.get("dataschema", contract.dataschema) != contract.dataschema:
        raise ContractError(f"unsupported dataschema {event.get('dataschema')!r}, expected {contract.dataschema}")
    problem = _first_error(contract.schema_file, event["data"])
    if problem:
        raise ContractError(f"data of {contract.name}: {problem}")
    return contract


def encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def decode(raw: bytes | None) -> tuple[dict[str, Any], Contract]:
    if raw is None:
        raise ContractError("empty message (tombstone)")
    try:
        event = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ContractError(f"not JSON: {e}") from None
    return event, validate_event(event)
