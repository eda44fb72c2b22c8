"""Invitee targeting on the events service's registry copy."""

import datetime as dt

import pytest

from services.events.domain.targeting import InvalidRule, Rule, resolve

COPIES = [
    {"_id": "a", "region": "35.75", "kind": "ormas", "legal_form": "tidak_berbadan_hukum", "bidang": ["sosial"],
     "status": "registered", "skt_valid_until": "2027-01-01", "sanction_level": None},
    {"_id": "b", "region": "35.75.01", "kind": "lsm", "legal_form": "tidak_berbadan_hukum", "bidang": ["lingkungan"],
     "status": "expired", "skt_valid_until": "2020-01-01", "sanction_level": None},
    {"_id": "c", "region": "35.75", "kind": "profesi", "legal_form": "perkumpulan", "bidang": ["pers"],
     "status": "legal_entity", "skt_valid_until": None, "sanction_level": None},
    {"_id": "d", "region": "35.75", "kind": "ormas", "legal_form": "tidak_berbadan_hukum", "bidang": ["sosial"],
     "status": "suspended", "skt_valid_until": "2027-01-01", "sanction_level": "suspended"},
    {"_id": "e", "region": "35.73", "kind": "ormas", "legal_form": "tidak_berbadan_hukum", "bidang": ["sosial"],
     "status": "registered", "skt_valid_until": "2027-01-01", "sanction_level": None},
    {"_id": "f", "region": "35.75", "kind": "ormas", "legal_form": "tidak_berbadan_hukum", "bidang": [],
     "status": "unregistered", "skt_valid_until": None, "sanction_level": None},
]


def test_a_city_rule_takes_its_kecamatan_and_leaves_the_suspended_out():
    assert resolve(Rule(region="35.75"), COPIES) == ["a", "b", "c", "f"]
    assert resolve(Rule(region="35.75", exclude_suspended=False), COPIES) == ["a", "b", "c", "d", "f"]
    assert resolve(Rule(region="35"), COPIES) == ["a", "b", "c", "e", "f"]


def test_kinds_bidang_and_legal_forms_narrow_it():
    assert resolve(Rule(region="35.75", kinds=("lsm",)), COPIES) == ["b"]
    assert resolve(Rule(region="35", bidang=("sosial", "pers")), COPIES) == ["a", "c", "e"]
    assert resolve(Rule(region="35.75", legal_forms=("perkumpulan", "yayasan")), COPIES) == ["c"]


def test_a_valid_skt_on_the_day_or_a_legal_entity():
    assert resolve(Rule(region="35.75", valid_skt_on=dt.date(2026, 12, 1)), COPIES) == ["a", "c"]
    assert resolve(Rule(region="35.75", valid_skt_on=dt.date(2027, 6, 1)), COPIES) == ["c"]


@pytest.mark.parametrize("region,office", [("35.99", "35.75"), ("35.73", "35.75"), ("35", "35.75")])
def test_a_rule_outside_the_office_or_unknown_is_refused(region, office):
    with pytest.raises(InvalidRule):
        Rule(region=region).validate(office)


def test_a_province_office_may_target_its_cities():
    Rule(region="35.75").validate("35")
