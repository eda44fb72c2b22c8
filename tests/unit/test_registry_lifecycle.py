"""The ormas lifecycle state machine: every transition, and properties over random sequences."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.registry.domain import lifecycle as lc
from services.registry.domain.lifecycle import IllegalTransition, InvalidTransition, Step

T0 = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)


def _step(action, **kw):
    kw.setdefault("reason", "alasan")
    kw.setdefault("authority", "bupati_walikota")
    return Step(action=action, actor="op", at=kw.pop("at", T0), **kw)


def _run(record, *steps, skt="220/001/35.75/2026"):
    record = dict(record)
    for s in steps:
        out = lc.apply(record, s, skt_number=skt)
        record.update(out.changes)
        record.setdefault("history", []).append(out.history)
    return record


VISIT = {"outcome": "sesuai", "visited_on": dt.date(2026, 3, 1)}
APPLICATION = [_step("start_application"), _step("submit"), _step("start_verification"),
               _step("check_documents", data={"complete": True}), _step("record_field_visit", data=VISIT)]


def test_the_whole_application_ends_registered_with_a_five_year_skt():
    r = _run({"status": "unregistered"}, *APPLICATION, _step("register"))
    assert r["status"] == "registered"
    assert r["skt"] == {"number": "220/001/35.75/2026", "issued_on": "2026-03-02", "valid_until": "2031-03-02"}
    assert [h["to"] for h in r["history"]] == ["draft", "submitted", "in_verification", "in_verification",
                                               "in_verification", "registered"]
    assert all(h["by"] == "op" and h["at"] == T0 for h in r["history"])


def test_register_needs_complete_documents_and_a_positive_field_visit():
    r = _run({"status": "unregistered"}, *APPLICATION[:4])
    with pytest.raises(IllegalTransition) as e:
        lc.apply(r, _step("register"), skt_number="x")
    assert "registered" not in e.value.allowed
    r = _run(r, _step("record_field_visit", data={"outcome": "tidak_sesuai", "visited_on": dt.date(2026, 3, 1)}))
    assert "register" not in lc.allowed_actions(r)
    assert {"reject", "request_revision"} <= set(lc.allowed_actions(r))


def test_incomplete_documents_block_the_field_visit():
    r = _run({"status": "unregistered"}, *APPLICATION[:3], _step("check_documents", data={"complete": False,
                                                                                        "missing": ["npwp"]}))
    assert r["verification"]["documents_missing"] == ["npwp"]
    with pytest.raises(IllegalTransition):
        lc.apply(r, _step("record_field_visit", data=VISIT))


def test_revision_goes_back_to_submitted_and_rejection_is_final():
    r = _run({"status": "unregistered"}, *APPLICATION[:3], _step("request_revision", reason="AD/ART belum notariil"))
    assert r["status"] == "revision_requested" and r["history"][-1]["reason"] == "AD/ART belum notariil"
    r = _run(r, _step("submit"), _step("reject", reason="domisili fiktif"))
    assert r["status"] == "rejected" and lc.allowed_actions(r) == []


@pytest.mark.parametrize("action", ["request_revision", "reject"])
def test_a_decision_against_the_applicant_needs_a_reason(action):
    r = _run({"status": "unregistered"}, *APPLICATION[:2])
    with pytest.raises(InvalidTransition) as e:
        lc.apply(r, _step(action, reason="  "))
    assert e.value.field == "reason"


def test_a_legal_entity_needs_no_skt_and_cannot_apply_for_one():
    r = {"status": "legal_entity", "legal_form": "yayasan"}
    assert "start_application" not in lc.allowed_actions(r)
    assert "revoke_skt" not in lc.allowed_actions({**r, "status": "suspended", "sanction": {"level": "warning"}})


def test_illegal_transition_lists_the_allowed_next_states():
    with pytest.raises(IllegalTransition) as e:
        lc.apply({"status": "unregistered"}, _step("register"), skt_number="x")
    assert e.value.allowed == ["draft", "unregistered"]  # apply, or a written warning (status unchanged)


def test_expiry_notices_at_90_30_7_then_expired_then_renewed():
    r = _run({"status": "unregistered"}, *APPLICATION, _step("register"))
    until = dt.date(2031, 3, 2)
    assert lc.expiry_due(r, until - dt.timedelta(days=91)) is None
    assert lc.expiry_due(r, until - dt.timedelta(days=90)) == ("mark_expiring", 90)
    r = _run(r, _step("mark_expiring", data={"days_left": 90}))
    assert r["status"] == "expiring" and lc.expiry_due(r, until - dt.timedelta(days=60)) is None
    assert lc.expiry_due(r, until - dt.timedelta(days=30)) == ("mark_expiring", 30)
    r = _run(r, _step("mark_expiring", data={"days_left": 30}), _step("mark_expiring", data={"days_left": 7}))
    with pytest.raises(IllegalTransition):  # the same notice twice
        lc.apply(r, _step("mark_expiring", data={"days_left": 7}))
    assert lc.expiry_due(r, until + dt.timedelta(days=1)) == ("expire", None)
    r = _run(r, _step("expire"), _step("renew", at=T0 + dt.timedelta(days=365 * 5 + 10)), skt="220/077/35.75/2031")
    assert r["status"] == "registered" and r["skt"]["number"] == "220/077/35.75/2031" and r["expiry_notices"] == []


def test_a_record_found_late_gets_only_the_nearest_notice():
    r = _run({"status": "unregistered"}, *APPLICATION, _step("register"))
    assert lc.expiry_due(r, dt.date(2031, 2, 25)) == ("mark_expiring", 7)
    r = _run(r, _step("mark_expiring", data={"days_left": 7}))
    assert lc.expiry_due(r, dt.date(2031, 2, 26)) is None


def test_sanctions_warning_deadline_skips_weekends_and_national_holidays():
    r = _run({"status": "registered", "skt": {"number": "1", "valid_until": "2030-01-01"}},
             _step("warn", at=dt.datetime(2026, 12, 22, 3, tzinfo=dt.UTC)))
    # seven working days from Tuesday 22 December 2026 skip Christmas, cuti bersama, the weekends and New Year
    assert r["sanction"]["deadline"] == "2027-01-06"
    assert r["status"] == "registered" and r["sanction"]["authority"] == "bupati_walikota"


def test_suspension_needs_a_warning_first_then_revocation_and_lifting():
    base = {"status": "registered", "skt": {"number": "1", "valid_until": "2030-01-01"}}
    with pytest.raises(IllegalTransition):
        lc.apply(base, _step("suspend"))
    r = _run(base, _step("warn"), _step("suspend", authority="gubernur"))
    assert r["status"] == "suspended" and r["sanction"]["resume_status"] == "registered"
    lifted = _run(r, _step("lift_sanction", authority="gubernur"))
    assert lifted["status"] == "registered" and lifted["sanction"] is None
    revoked = _run(r, _step("revoke_skt", authority="mendagri"))
    assert revoked["status"] == "revoked" and lc.allowed_actions(revoked) == []


def test_a_legal_entity_is_dissolved_not_revoked():
    r = _run({"status": "legal_entity", "legal_form": "perkumpulan"}, _step("warn"), _step("suspend"))
    assert "revoke_skt" not in lc.allowed_actions(r)
    r = _run(r, _step("dissolve", authority="menkumham"))
    assert r["status"] == "dissolved"


def test_at_most_three_written_warnings():
    r = _run({"status": "unregistered"}, _step("warn"), _step("warn"), _step("warn"))
    assert r["sanction"]["warnings"] == 3
    with pytest.raises(IllegalTransition):
        lc.apply(r, _step("warn"))


def test_a_sanction_needs_a_known_authority():
    with pytest.raises(InvalidTransition) as e:
        lc.apply({"status": "registered"}, _step("warn", authority="camat"))
    assert e.value.field == "authority"


def test_unknown_action_is_invalid_not_illegal():
    with pytest.raises(InvalidTransition):
        lc.apply({"status": "registered"}, _step("promote"))


# ---------------------------------------------------------------------------------- properties

DATA = {"check_documents": [{"complete": True}, {"complete": False, "missing": ["npwp"]}],
        "record_field_visit": [VISIT, {"outcome": "tidak_sesuai", "visited_on": dt.date(2026, 3, 1)}],
        "mark_expiring": [{"days_left": 90}, {"days_left": 30}, {"days_left": 7}]}

actions = st.sampled_from(sorted(lc.TRANSITIONS))
starts = st.sampled_from([{"status": "unregistered"}, {"status": "legal_entity", "legal_form": "yayasan"}])


@settings(max_examples=300, deadline=None)
@given(start=starts, plan=st.lists(st.tuples(actions, st.integers(0, 2)), max_size=25))
def test_random_sequences_keep_the_machine_consistent(start, plan):
    record = dict(start)
    history = 0
    for action, pick in plan:
        options = DATA.get(action, [{}])
        step = _step(action, data=options[pick % len(options)])
        allowed_before = lc.allowed_actions(record)
        try:
            out = lc.apply(record, step, skt_number=f"SKT-{history}")
        except IllegalTransition as e:
            # refused exactly when the action was not offered (or a repeated notice / fourth warning)
            assert action not in allowed_before or action == "mark_expiring"  # or a notice sent already
            assert e.allowed == lc.next_states(record)
            continue
        except InvalidTransition:
            assert action in allowed_before
            continue
        assert action in allowed_before
        assert out.from_status == record["status"]
        assert out.to_status in lc.STATUSES
        record.update(out.changes)
        history += 1
        # invariants of every reachable record
        if record["status"] == "registered":
            assert record.get("skt") or record.get("legal_form")
        if record["status"] == "suspended":
            assert record["sanction"]["level"] == "suspended"
        if record.get("legal_form") in ("perkumpulan", "yayasan"):
            assert record["status"] not in ("draft", "submitted", "in_verification", "revoked")
        assert record["status"] in lc.STATUSES


@settings(max_examples=200, deadline=None)
@given(start=starts, plan=st.lists(actions, max_size=15))
def test_terminal_states_offer_nothing(start, plan):
    record = dict(start)
    for action in plan:
        try:
            out = lc.apply(record, _step(action, data=DATA.get(action, [{}])[0]), skt_number="S")
        except (IllegalTransition, InvalidTransition):
            continue
        record.update(out.changes)
    if record["status"] in ("rejected", "revoked", "dissolved"):
        assert lc.allowed_actions(record) == []
