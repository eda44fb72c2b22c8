"""The sending rules: channels, fallback, quiet hours in the recipient's zone, backoff."""

import datetime as dt
import random

from hypothesis import given
from hypothesis import strategies as st

from services.notifications.domain import messages as m


def test_channels_of_a_recipient_and_sms_only_when_nothing_else():
    full = m.addresses({"email": "a@b.id", "whatsapp": "+6281234567890", "phone": "+6281111111111"})
    assert full == {"email": "a@b.id", "whatsapp": "+6281234567890", "sms": "+6281111111111"}
    assert m.first_channels(full) == ["email", "whatsapp"]
    assert m.first_channels(m.addresses({"phone": "+6281111111111"})) == ["sms"]
    assert m.addresses({"email": "not an address", "phone": "0812"}) == {}  # caught before sending


def test_the_letters_of_a_list_counted_by_channel_as_they_will_go():
    from shared.channels import tally

    got = tally([{"email": "a@b.id", "whatsapp": "+6281234567890"}, {"phone": "+6281111111111"},
                 {"whatsapp": "+6281234567891"}, {"email": "salah"}, {}])
    assert got == {"email": 1, "whatsapp": 2, "sms": 1, "none": 2}


def test_a_failed_channel_falls_back_to_the_next_one_not_yet_tried():
    available = {"email": "a@b.id", "whatsapp": "+6281234567890", "sms": "+6281234567890"}
    assert m.next_channel("email", available, {"email"}) == "whatsapp"
    assert m.next_channel("email", available, {"email", "whatsapp"}) == "sms"
    assert m.next_channel("sms", {"sms": "+62812"}, {"sms"}) is None


def test_no_whatsapp_or_sms_at_night_in_the_recipients_zone():
    night_wib = dt.datetime(2026, 12, 1, 15, 30, tzinfo=dt.UTC)  # 22.30 WIB, 23.30 WITA, 00.30 WIT
    until = m.quiet_until("whatsapp", night_wib, "WIB")
    assert until == dt.datetime(2026, 12, 2, 0, 0, tzinfo=dt.UTC)  # 07.00 WIB next morning
    assert m.quiet_until("email", night_wib, "WIB") is None  # e-mail waits for nobody
    early = dt.datetime(2026, 12, 1, 21, 0, tzinfo=dt.UTC)  # 06.00 WIT, 04.00 WIB
    assert m.quiet_until("sms", early, "WIT") == dt.datetime(2026, 12, 1, 22, 0, tzinfo=dt.UTC)  # 07.00 WIT
    day = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)  # 10.00 WIB
    assert m.quiet_until("sms", day, "WIB") is None


def test_the_quiet_window_is_configurable_and_can_be_switched_off():
    night_wib = dt.datetime(2026, 12, 1, 15, 30, tzinfo=dt.UTC)  # 22.30 WIB
    assert m.quiet_until("whatsapp", night_wib, "WIB", (0, 0)) is None  # no quiet hours
    assert m.quiet_until("whatsapp", night_wib, "WIB", (23, 6)) is None  # not yet 23.00
    assert m.quiet_until("sms", night_wib, "WIB", (22, 6)) == dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC)  # 06.00
    small_hours = dt.datetime(2026, 12, 1, 19, 0, tzinfo=dt.UTC)  # 02.00 WIB
    assert m.quiet_until("sms", small_hours, "WIB", (1, 5)) == dt.datetime(2026, 12, 1, 22, 0, tzinfo=dt.UTC)  # 05.00
    assert m.quiet_until("sms", night_wib, "WIB", (1, 5)) is None


@given(st.datetimes(timezones=st.just(dt.UTC)), st.sampled_from(["WIB", "WITA", "WIT"]))
def test_quiet_hours_always_end_in_the_next_morning(now, zone):
    until = m.quiet_until("whatsapp", now, zone)
    if until is not None:
        assert dt.timedelta(0) < until - now <= dt.timedelta(hours=10)
        assert until.astimezone(m.regions.ZONES[zone]).hour == 7


@given(st.integers(min_value=0, max_value=30))
def test_backoff_is_jittered_and_capped(attempt):
    wait = m.backoff(attempt, rnd=random.Random(attempt))
    assert 0 <= wait <= min(600, 2 * 2 ** attempt)


def test_message_ids_are_one_per_participant_kind_and_channel():
    assert m.message_id("k:o", "invitation", "email") == "k:o:invitation:email"
    assert len({m.message_id("k:o", k, c) for k in m.KINDS for c in m.CHANNELS}) == len(m.KINDS) * len(m.CHANNELS)
