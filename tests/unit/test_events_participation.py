"""RSVP and check-in rules and the signed links."""

import datetime as dt

import pytest

from services.events.domain import participation as p

SECRET = b"s" * 32
NOW = dt.datetime(2018, 4, 1, tzinfo=dt.UTC)
START = dt.datetime(2018, 4, 10, 1, tzinfo=dt.UTC)
END = dt.datetime(2018, 4, 11, 8, tzinfo=dt.UTC)


def _token(**over):
    kw = dict(purpose="rsvp", kegiatan_id="k1", participant_id="p1", expires=START)
    kw.update(over)
    return p.sign(SECRET, **kw)


def test_a_token_names_its_participant():
    assert p.verify(SECRET, _token(), purpose="rsvp", kegiatan_id="k1", now=NOW) == "p1"


@pytest.mark.parametrize("token,kw,why", [
    (_token(expires=NOW - dt.timedelta(seconds=1)), {}, "expired"),
    (_token(), {"kegiatan_id": "k2"}, "another kegiatan"),
    (_token(), {"purpose": "checkin"}, "another purpose"),
    (_token()[:-2] + "AA", {}, "tampered mac"),
    (_token().replace(".", "x.", 1), {}, "tampered body"),
    ("garbage", {}, "garbage"),
])
def test_bad_tokens_are_refused(token, kw, why):
    args = {"purpose": "rsvp", "kegiatan_id": "k1", "now": NOW, **kw}
    with pytest.raises(p.InvalidToken):
        p.verify(SECRET, token, **args), why
    with pytest.raises(p.InvalidToken):
        p.verify(b"other-secret" * 3, _token(), purpose="rsvp", kegiatan_id="k1", now=NOW)


def test_rsvp_seats_reasons_and_cutoff():
    invited = {"status": "invited"}
    ok = p.respond(invited, p.Response(True, ["Budi"]), seats=1, cutoff=START, now=NOW)
    assert ok["attending"] and ok["delegates"] == ["Budi"]
    with pytest.raises(p.ParticipationError) as e:
        p.respond(invited, p.Response(True, ["Budi", "Siti"]), seats=1, cutoff=START, now=NOW)
    assert e.value.field == "delegates"
    with pytest.raises(p.ParticipationError) as e:
        p.respond(invited, p.Response(False), seats=1, cutoff=START, now=NOW)
    assert e.value.field == "reason"
    with pytest.raises(p.ParticipationError) as e:
        p.respond(invited, p.Response(True, ["Budi"]), seats=1, cutoff=START, now=START + dt.timedelta(minutes=1))
    assert e.value.status == 409


def test_a_second_scan_the_same_day_says_when_the_first_was_in_the_venues_zone():
    first = START + dt.timedelta(minutes=5)  # 08:05 WIB
    changes, msg = p.check_in({"status": "responded", "name": "LSM Gempar"}, now=first, starts_at=START, ends_at=END,
                              by="op", zone="WIB")
    assert changes["status"] == "checked_in" and msg == "Selamat datang, LSM Gempar"
    day = p.day_of(first, "WIB")
    assert changes[f"attendance.{day}"]["people"] == 1 and changes["checked_in_at"] == first
    present = {"status": "checked_in", "checked_in_at": first, "attendance": {day: changes[f"attendance.{day}"]}}
    again, msg = p.check_in(present, now=first + dt.timedelta(hours=2), starts_at=START, ends_at=END, by="op", zone="WIB")
    assert again is None and msg == "Sudah hadir pukul 08.05 WIB"
    # the same instant read in Makassar's zone is an hour later
    _, msg = p.check_in(present, now=first, starts_at=START, ends_at=END, by="op", zone="WITA")
    assert msg == "Sudah hadir pukul 09.05 WITA"


def test_each_day_of_a_multi_day_kegiatan_is_its_own_check_in():
    day2 = START + dt.timedelta(days=1)
    changes, _ = p.check_in({"status": "checked_in", "checked_in_at": START, "attendance": {p.day_of(START, "WIB"): {"at": START}}},
                            now=day2, starts_at=START, ends_at=END + dt.timedelta(days=1), by="op", zone="WIB", people=3, seats=3)
    assert changes is not None and changes[f"attendance.{p.day_of(day2, 'WIB')}"]["people"] == 3
    assert "checked_in_at" not in changes  # the first arrival stays
    with pytest.raises(p.ParticipationError) as e:
        p.check_in({"status": "responded"}, now=START, starts_at=START, ends_at=END, by="op", people=4, seats=3)
    assert e.value.field == "people"


def test_check_in_is_open_from_three_hours_before_to_one_hour_after():
    with pytest.raises(p.ParticipationError) as e:
        p.check_in({"status": "invited"}, now=START - dt.timedelta(hours=3, minutes=1), starts_at=START, ends_at=END, by="op")
    assert e.value.status == 409
    assert p.check_in({"status": "invited"}, now=START - dt.timedelta(hours=3), starts_at=START, ends_at=END, by="op")[0]
    assert p.check_in({"status": "invited"}, now=END + dt.timedelta(hours=1), starts_at=START, ends_at=END, by="op")[0]
    with pytest.raises(p.ParticipationError):
        p.check_in({"status": "invited"}, now=END + dt.timedelta(hours=1, seconds=1), starts_at=START, ends_at=END, by="op")


def test_a_check_in_on_the_eve_of_a_start_after_midnight_counts_for_the_first_day():
    start = dt.datetime(2020, 12, 8, 17, 30, tzinfo=dt.UTC)  # 9 December 2020, 00.30 WIB
    eve = start - dt.timedelta(hours=1)  # 8 December, 23.30 WIB
    changes, _ = p.check_in({"status": "invited"}, now=eve, starts_at=start, ends_at=start + dt.timedelta(hours=5),
                            by="op", zone="WIB")
    assert "attendance.2020-12-09" in changes
    assert p.day_of(eve, "WIB") == "2020-12-08"  # without the kegiatan's days: the calendar day
    late = start + dt.timedelta(hours=5, minutes=50)  # an hour after an end at 05.30: still 9 December
    assert p.day_of(late, "WIB", start, start + dt.timedelta(hours=5)) == "2020-12-09"


def test_no_show_is_derived_once_the_kegiatan_is_completed():
    assert p.effective_status({"status": "responded"}, "ongoing") == "responded"
    assert p.effective_status({"status": "responded"}, "completed") == "no_show"
    assert p.effective_status({"status": "checked_in"}, "completed") == "checked_in"
