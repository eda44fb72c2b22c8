import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registry.domain import ormas
from shared.contracts import make_event
from shared import outbox

NOW = dt.datetime(2018, 4, 10, 1, 0, tzinfo=dt.UTC)


def test_an_unregistered_but_known_ormas_is_a_valid_record():
    doc, data = ormas.create(ormas.NewOrmas(name="  LSM   Pasuruan Bersatu ", kind="lsm", region="35.75"),
                             ormas_id="o1", actor="op", now=NOW)
    assert doc["status"] == "unregistered" and doc["name"] == "LSM Pasuruan Bersatu" and doc["version"] == 1
    assert doc["history"][0]["by"] == "op"
    make_event("registry.ormas.created", source=ormas.SOURCE, subject="ormas/o1", data=data, region="35.75",
               sequence=1)  # the event data satisfies its contract


@pytest.mark.parametrize("kw,field", [
    (dict(name="!!!"), "name"), (dict(kind="partai"), "kind"), (dict(region="35.99"), "region"),
    (dict(region="99"), "region"), (dict(email="not-an-email"), "email"),
])
def test_invalid_ormas_names_the_field(kw, field):
    base = dict(name="Pemuda Pancasila", kind="ormas", region="35.75")
    with pytest.raises(ormas.InvalidOrmas) as e:
        ormas.NewOrmas(**{**base, **kw}).validate()
    assert e.value.field == field


def test_name_key_ignores_case_accents_punctuation_and_spacing():
    assert ormas.name_key("L.S.M.  Pasuruan-Bersatu") == ormas.name_key("l s m pasuruan bersatu")
    assert ormas.name_key("Pemuda Pancasila") != ormas.name_key("Pemuda Pancasila Jaya")


@given(st.text(max_size=80))
def test_name_key_is_idempotent(name):
    assert ormas.name_key(ormas.name_key(name)) == ormas.name_key(name)


def test_outbox_guard_bounds_the_pending_list():
    f, u = outbox.guarded({"_id": "o1", "version": 3}, {"$set": {"version": 4}}, [{"id": "e"}], max_pending=100)
    assert f == {"_id": "o1", "version": 3, "_outbox.99": {"$exists": False}}
    assert u == {"$set": {"version": 4}, "$push": {"_outbox": {"$each": [{"id": "e"}]}}}
