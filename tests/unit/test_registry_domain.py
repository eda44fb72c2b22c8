import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registry.domain import ormas
from shared import outbox
from shared.contracts import make_event

NOW = dt.datetime(2018, 4, 10, 1, 0, tzinfo=dt.UTC)


def test_an_unregistered_but_known_ormas_is_a_valid_record():
    doc = ormas.create(ormas.Details(name="  LSM   Pasuruan Bersatu ", kind="lsm", region="35.75"),
                       ormas_id="o1", actor="op", now=NOW)
    assert doc["status"] == "unregistered" and doc["name"] == "LSM Pasuruan Bersatu" and doc["version"] == 1
    assert doc["history"][0]["by"] == "op"
    make_event("registry.ormas.created", source=ormas.SOURCE, subject="ormas/o1", data=ormas.snapshot(doc),
               region="35.75", sequence=1)  # the event data satisfies its contract


def test_a_perkumpulan_with_its_decree_is_a_legal_entity_and_contacts_are_normalised():
    doc = ormas.create(ormas.Details(
        name="Perkumpulan Wartawan", kind="profesi", region="33.26", legal_form="perkumpulan",
        decree_number="AHU-0001234.AH.01.07.2019", phone="0285-381234", whatsapp="0812 3456 7890",
        email=" Sekretariat@PWI.or.id ", npwp="01.234.567.8-901.000", bidang=["Pers", "pers ", "Pendidikan"],
        address={"street": "Jl. Pemuda 1", "region": "33.26.01"}, founding_date=dt.date(1946, 2, 9),
        presence_letters=[{"type": "skpo", "number": "400/12/2019", "issued_on": dt.date(2017, 5, 2)}]),
        ormas_id="o2", actor="op", now=NOW)
    assert doc["status"] == "legal_entity"
    assert doc["phone"] == "+62285381234" and doc["whatsapp"] == "+6281234567890"
    assert doc["email"] == "sekretariat@pwi.or.id" and doc["npwp"] == "0012345678901000"
    assert doc["bidang"] == ["pers", "pendidikan"] and doc["founding_date"] == "1946-02-09"
    assert doc["presence_letters"] == [{"type": "skpo", "number": "400/12/2019", "issued_on": "2017-05-02"}]
    make_event("registry.ormas.created", source=ormas.SOURCE, subject="ormas/o2", data=ormas.snapshot(doc),
               region="33.26", sequence=1)


@pytest.mark.parametrize("kw,field", [
    (dict(name="!!!"), "name"), (dict(name="Ormas\x07Bel"), "name"), (dict(acronym="A\x00B"), "acronym"), (dict(kind="partai"), "kind"), (dict(region="35.99"), "region"),
    (dict(region="99"), "region"), (dict(email="not-an-email"), "email"),
    (dict(phone="12345"), "phone"), (dict(whatsapp="021 555 1234"), "whatsapp"),
    (dict(founding_date=dt.date(2018, 4, 11)), "founding_date"), (dict(npwp="12.3"), "npwp"),
    (dict(legal_form="yayasan"), "decree_number"), (dict(decree_number="AHU-1"), "decree_number"),
    (dict(legal_form="firma"), "legal_form"), (dict(scope="dunia"), "scope"),
    (dict(address={"region": "35.73.01"}), "address.region"), (dict(address={"region": "35.75.99"}), "address.region"),
    (dict(bidang=["  "]), "bidang"),
    (dict(presence_letters=[{"type": "ktp", "number": "1"}]), "presence_letters.0.type"),
    (dict(presence_letters=[{"type": "sktl", "number": "1", "issued_on": dt.date(2030, 1, 1)}]),
     "presence_letters.0.issued_on"),
])
def test_invalid_ormas_names_the_field(kw, field):
    base = dict(name="Pemuda Pancasila", kind="ormas", region="35.75")
    with pytest.raises(ormas.InvalidOrmas) as e:
        ormas.Details(**{**base, **kw}).normalised(NOW.date())
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
