import json

import pytest
from cloudevents.core.formats.json import JSONFormat
from cloudevents.v1.http import from_json
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import contracts
from shared.contracts import ContractError, decode, encode, make_event

DATA = {"ormas_id": "o1", "version": 1, "name": "LSM Pasuruan Bersatu", "acronym": None, "kind": "lsm",
        "region": "35.75", "status": "unregistered", "email": "lsm@example.org"}


def _event(**over):
    kw = dict(source="/kesbang/registry", subject="ormas/o1", data=DATA, region="35.75", sequence=1,
              traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    kw.update(over)
    return make_event("registry.ormas.created", **kw)


def test_event_is_cloudevents_1_0_structured_json_that_an_sdk_parses():
    event = _event()
    raw = encode(event)
    parsed = JSONFormat().read(None, raw)
    assert parsed.get_id() == event["id"] and parsed.get_type() == "id.kesbang.registry.ormas.created"
    assert parsed.get_extension("region") == "35.75"
    assert parsed.get_extension("traceparent").startswith("00-0af7651916cd43dd")
    legacy = from_json(raw)  # the older SDK API parses it too
    assert legacy["subject"] == "ormas/o1" and legacy.data == DATA


def test_event_ids_are_deterministic_per_aggregate_version_and_type():
    assert _event()["id"] == _event()["id"]
    assert _event()["id"] != _event(sequence=2)["id"]
    assert _event()["id"] != _event(subject="ormas/o2")["id"]


def test_every_contract_has_a_valid_schema_file():
    for c in contracts.CONTRACTS.values():
        assert c.schema_file.exists(), c
        contracts._validator(c.schema_file)  # check_schema raises on an invalid schema


@pytest.mark.parametrize("mutate,reason", [
    (lambda e: e.pop("id"), "envelope"),
    (lambda e: e.update(specversion="0.3"), "envelope"),
    (lambda e: e.update(type="id.kesbang.registry.ormas.exploded"), "unknown event type"),
    (lambda e: e.update(dataschema="urn:kesbang:schema:registry.ormas.created:v9"), "dataschema"),
    (lambda e: e["data"].update(kind="party"), "data of registry.ormas.created"),
    (lambda e: e["data"].pop("region"), "data of registry.ormas.created"),
    (lambda e: e["data"].update(nik="3575010101900001"), "data of registry.ormas.created"),
    (lambda e: e.update(region="Pasuruan"), "envelope"),
])
def test_invalid_events_are_refused_with_a_reason(mutate, reason):
    event = json.loads(encode(_event()))
    mutate(event)
    with pytest.raises(ContractError, match=reason):
        decode(json.dumps(event).encode())


@pytest.mark.parametrize("raw", [None, b"", b"not json", b"\xff\xfe", b"[]", b"{}"])
def test_garbage_is_a_contract_error_not_a_crash(raw):
    with pytest.raises(ContractError):
        decode(raw)


def test_producer_side_validation_refuses_bad_data():
    with pytest.raises(ContractError):
        _event(data={**DATA, "status": "flying"})


def test_registry_schema_files_are_what_the_generator_writes():
    from shared.contracts import registry_schemas as gen

    for event in gen.EVENTS:
        assert gen.path(event).read_text() == gen.render(event), f"run python -m shared.contracts.registry_schemas ({event})"
        assert f"id.kesbang.registry.ormas.{event}" in contracts.CONTRACTS
    assert gen.OFFICE_PATH.read_text() == gen.render_office()
    assert gen.ACCOUNT_SCHEMA_PATH.read_text() == gen.render_account()
    assert "id.kesbang.registry.office.updated" in contracts.CONTRACTS


def test_no_registry_event_can_carry_a_nik():
    from shared.contracts import registry_schemas as gen

    for event in gen.EVENTS:
        text = gen.render(event).lower()
        assert "nik" not in text.replace("unik", "")


def test_events_schema_files_are_what_the_generator_writes():
    from shared.contracts import CONTRACTS
    from shared.contracts import events_schemas as gen

    names = gen.all_schemas()
    assert {c.name for c in CONTRACTS.values() if c.topic.startswith("events.")} == set(names)
    for name in names:
        assert gen.path(name).read_text() == gen.render(name), f"run python -m shared.contracts.events_schemas ({name})"


def test_no_events_event_can_carry_a_nik():
    from shared.contracts import events_schemas as gen

    assert "nik" not in json.dumps(gen.all_schemas()).lower()


def test_notifications_schema_files_are_what_the_generator_writes():
    from shared.contracts import notifications_schemas as gen

    for status in gen.STATUSES:
        assert gen.path(status).read_text() == gen.render(status), "run python -m shared.contracts.notifications_schemas"


def test_earlywarning_schema_files_are_generated_and_carry_no_reporter():
    from shared.contracts import earlywarning_schemas as gen

    for name in gen.all_schemas():
        assert gen.path(name).read_text() == gen.render(name), f"run python -m shared.contracts.earlywarning_schemas ({name})"
    text = json.dumps(gen.all_schemas()).lower()
    assert "reporter" not in text and "nik" not in text


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12) |
                           st.sampled_from(["2026-13-45", "2026-11-23", "35.75", "ormas", "2026-11-23T10:00:00Z"]),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(DATA) + ["extra"]), json_values, max_size=3))
def test_the_fast_validator_accepts_only_what_jsonschema_accepts(changes):
    """jsonschema-rs decides first (shared/contracts._first_error); whatever it lets through,
    jsonschema must accept too, so a refusal never depends on which validator looked."""
    event = json.loads(encode(_event()))
    event["data"].update(changes)
    path = contracts.CONTRACTS[event["type"]].schema_file
    authority = contracts._validator(path).is_valid(event["data"])
    try:
        contracts.validate_event(event)
        accepted = True
    except ContractError:
        accepted = False
    assert accepted == authority
