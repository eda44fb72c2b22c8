"""Permendagri 57/2017: the office forwards a verified application; the SKT Kemendagri issued is
recorded, and registers the ormas."""

from __future__ import annotations

import datetime as dt

import pytest

from services.registry.domain import lifecycle
from services.registry.domain.policy import ACTION_ROLES

NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)


def record(**kw) -> dict:
    return {"status": "in_verification", "legal_form": "tidak_berbadan_hukum", "kind": "ormas",
            "verification": {"documents_complete": True, "field_visit": {"outcome": "sesuai"}}, **kw}


def step(action: str, **kw) -> lifecycle.Step:
    return lifecycle.Step(action=action, actor="verifikator", at=NOW, **kw)


def test_a_verified_application_is_forwarded_once_with_the_offices_recommendation():
    assert "forward" in lifecycle.allowed_actions(record())
    assert "forward" not in lifecycle.allowed_actions(record(verification={"documents_complete": True}))
    assert "forward" not in lifecycle.allowed_actions(record(legal_form="yayasan"))
    with pytest.raises(lifecycle.InvalidTransition):
        lifecycle.apply(record(), step("forward"))  # the recommendation is its reason
    out = lifecycle.apply(record(), step("forward", reason="Direkomendasikan: dokumen lengkap, sekretariat ada"))
    assert out.to_status == "in_verification"
    forwarded = {**record(), **out.changes}
    assert forwarded["verification"]["forwarded"]["recommendation"].startswith("Direkomendasikan")
    assert "forward" not in lifecycle.allowed_actions(forwarded)
    assert "record_kemendagri_skt" in lifecycle.allowed_actions(forwarded)
    assert "record_kemendagri_skt" not in lifecycle.allowed_actions(record())
    assert set(ACTION_ROLES["record_kemendagri_skt"]) == {"verifier", "head", "admin"}


def test_the_skt_kemendagri_issued_registers_the_ormas_as_issued():
    forwarded = {**record(), **lifecycle.apply(record(), step("forward", reason="Direkomendasikan")).changes}
    out = lifecycle.apply(forwarded, step("record_kemendagri_skt", data={
        "skt_number": "01-00-00/0123/D.III.1/XII/2026", "issued_on": dt.date(2026, 12, 1),
        "valid_until": dt.date(2031, 12, 1), "presence_number": "220/0001/SKK/32.77/2026"}))
    assert out.to_status == "registered"
    skt = out.changes["skt"]
    assert {k: v for k, v in skt.items() if k != "presence_issued_on"} == {
        "number": "01-00-00/0123/D.III.1/XII/2026", "issued_on": "2026-12-01", "valid_until": "2031-12-01",
        "issuer": "kemendagri", "presence_number": "220/0001/SKK/32.77/2026"}  # the office's own letter's number
    assert dt.date.fromisoformat(skt["presence_issued_on"]) >= dt.date(2026, 12, 1)
    for bad in ({"skt_number": "", "issued_on": dt.date(2026, 12, 1), "valid_until": dt.date(2031, 12, 1)},
                {"skt_number": "1", "issued_on": dt.date(2027, 1, 1), "valid_until": dt.date(2031, 12, 1)},
                {"skt_number": "1", "issued_on": dt.date(2026, 12, 1), "valid_until": dt.date(2026, 11, 1)}):
        with pytest.raises(lifecycle.InvalidTransition):
            lifecycle.apply(forwarded, step("record_kemendagri_skt", data=bad))
