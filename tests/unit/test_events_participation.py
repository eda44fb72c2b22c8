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


def test_a_second_scan_says_when_the_first_was():
    changes, msg = p.check_in({"status": "responded"}, now=START, starts_at=START, ends_at=END, by="op")
    assert changes["status"] == "checked_in" and msg == "Selamat datang"
    again, msg = p.check_in({"status": "checked_in", "checked_in_at": dt.datetime(2018, 4, 10, 8, 5)},
                            now=START, starts_at=START, ends_at=END, by="op")
    assert again is None and msg == "Sudah hadir pukul 08.05"
    with pytest.raises(p.ParticipationError):
        p.check_in({"status": "invited"}, now=START - dt.timedelta(days=1), starts_at=START, ends_at=END, by="op")
