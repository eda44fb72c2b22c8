"""The kegiatan lifecycle and its details, as in the articles (Kota Pasuruan, 10–11 April 2018)."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.events.domain import kegiatan as k

WIB = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2018, 3, 20, 2, tzinfo=dt.UTC)
LETTER = {"number": "005/123/423.202/2018", "nature": "Penting", "attachment": "-",
          "subject": "Undangan Fasilitasi Pemberdayaan Ormas dan LSM", "signatory_name": "Drs. H. Mas Djoko Baroto, M.Si",
          "signatory_title": "Kepala Bakesbangpol Kota Pasuruan"}


def pasuruan(**over):
    base = dict(title="Fasilitasi Pemberdayaan Ormas dan LSM", type="fasilitasi", region="35.75",
                venue_name="Rumah Makan Gedoeng Woloe", venue_region="35.75",
                starts_at=dt.datetime(2018, 4, 10, 8, tzinfo=WIB), ends_at=dt.datetime(2018, 4, 11, 15, tzinfo=WIB),
                seats_per_ormas=1, capacity=70, letter=LETTER,
                speakers=[{"name": "Drs. H. Setiyono, M.Si", "position": "Walikota Pasuruan"}])
    base.update(over)
    return k.Details(**base)


def test_the_pasuruan_facilitation_days_are_a_valid_two_day_kegiatan_in_wib():
    d = pasuruan().normalised()
    assert d["venue"]["zone"] == "WIB" and d["starts_at"] == dt.datetime(2018, 4, 10, 1, tzinfo=dt.UTC)
    assert d["capacity"] == 70 and d["seats_per_ormas"] == 1


@pytest.mark.parametrize("over,field", [
    (dict(ends_at=dt.datetime(2018, 4, 10, 7, tzinfo=WIB)), "ends_at"),
    (dict(ends_at=dt.datetime(2018, 6, 1, tzinfo=WIB)), "ends_at"),
    (dict(starts_at=dt.datetime(2018, 4, 10, 8)), "starts_at"),
    (dict(type="konser"), "type"), (dict(venue_region="35.99"), "venue_region"),
    (dict(seats_per_ormas=0), "seats_per_ormas"), (dict(title="  "), "title"),
    (dict(speakers=[{"name": ""}]), "speakers.0.name"),
])
def test_bad_details_name_the_field(over, field):
    with pytest.raises(k.InvalidKegiatan) as e:
        pasuruan(**over).normalised()
    assert e.value.field == field


def _record(**over):
    return {**pasuruan().normalised(), "status": "draft", **over}


def test_publish_needs_letter_data_and_invitees():
    with pytest.raises(k.InvalidKegiatan) as e:
        k.step(_record(letter={**LETTER, "subject": ""}), "publish", actor="op", at=NOW, invitees=70)
    assert e.value.field == "letter" and "subject" in e.value.message
    with pytest.raises(k.InvalidKegiatan) as e:
        k.step(_record(), "publish", actor="op", at=NOW, invitees=0)
    assert e.value.field == "invitees"
    changes, history = k.step(_record(), "publish", actor="op", at=NOW, invitees=70)
    assert changes == {"status": "published"} and history["by"] == "op"


def test_reschedule_and_cancel_need_reasons_and_cancel_ends_it():
    r = _record(status="published")
    new = (dt.datetime(2018, 4, 17, 8, tzinfo=WIB), dt.datetime(2018, 4, 18, 15, tzinfo=WIB))
    with pytest.raises(k.InvalidKegiatan):
        k.step(r, "reschedule", actor="op", at=NOW, new_times=new)
    changes, _ = k.step(r, "reschedule", actor="op", at=NOW, new_times=new, reason="Walikota berhalangan")
    assert changes["starts_at"] == dt.datetime(2018, 4, 17, 1, tzinfo=dt.UTC)
    changes, h = k.step(r, "cancel", actor="op", at=NOW, reason="Pandemi")
    assert changes == {"status": "cancelled"} and h["reason"] == "Pandemi"
    with pytest.raises(k.IllegalStep) as e:
        k.step({**r, "status": "completed"}, "cancel", actor="op", at=NOW, reason="x")
    assert e.value.allowed == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(sorted(k.TRANSITIONS)), max_size=12))
def test_random_steps_only_follow_the_table(actions):
    r = _record()
    for a in actions:
        before = r["status"]
        try:
            changes, h = k.step(r, a, actor="op", at=NOW, invitees=5, reason="alasan",
                                new_times=(dt.datetime(2018, 5, 1, 8, tzinfo=WIB), dt.datetime(2018, 5, 1, 12, tzinfo=WIB)))
        except k.IllegalStep as e:
            assert before not in k.TRANSITIONS[a][0] and e.allowed == [k.TRANSITIONS[x][1] for x in k.allowed(r)]
            continue
        except k.InvalidKegiatan as e:  # a rule of time, not of the table: a kegiatan still to come is not recorded
            assert a == "record" and e.field == "starts_at" and r["starts_at"] > NOW
            continue
        assert before in k.TRANSITIONS[a][0] and h["from"] == before and h["to"] == changes["status"]
        r.update(changes)
    if r["status"] in ("completed", "cancelled"):
        assert k.allowed(r) == []


def test_a_kegiatan_that_took_place_is_recorded_not_published():
    past = {**_record(), "starts_at": NOW - dt.timedelta(days=3), "ends_at": NOW - dt.timedelta(days=3, hours=-6)}
    assert k.allowed(past, NOW) == ["record", "cancel"] and k.allowed(_record(), NOW) == ["publish", "cancel"]
    changes, h = k.step(past, "record", actor="op", at=NOW, invitees=1)  # no letter needed
    assert changes == {"status": "ongoing", "recorded": True} and h["action"] == "record"
    with pytest.raises(k.InvalidKegiatan) as e:
        k.step(past, "record", actor="op", at=NOW, invitees=0)
    assert e.value.field == "invitees"
    with pytest.raises(k.InvalidKegiatan) as e:
        k.step(_record(), "record", actor="op", at=NOW, invitees=3)
    assert e.value.field == "starts_at"
