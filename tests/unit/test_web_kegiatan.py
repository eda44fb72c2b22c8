"""The kegiatan pages' rules with no I/O: times typed in the venue's zone, speakers and agenda from
lines, guests pasted from a spreadsheet, the targeting rule, the month calendar."""

import datetime as dt

import pytest

from services.web.domain import kegiatan as k


def _form(**over):
    values = {"title": "Dialog Ormas", "type": "dialog", "venue_name": "Aula", "venue_region": "72.71",
              "start_date": "2026-12-10", "start_time": "08.30", "end_time": "12.00", "seats_per_ormas": "2"}
    values.update(over)
    return values


def test_times_are_read_in_the_venues_zone_and_shown_back_in_it():
    body = k.kegiatan_body(_form())  # Kota Palu: WITA, UTC+8
    assert body["starts_at"] == "2026-12-10T08:30:00+08:00" and body["ends_at"] == "2026-12-10T12:00:00+08:00"
    shown = k.kegiatan_values({**body, "venue": {"region": "72.71", "name": "Aula"},
                               "starts_at": "2026-12-10T00:30:00Z", "ends_at": "2026-12-10T04:00:00Z"})
    assert (shown["start_date"], shown["start_time"], shown["end_time"]) == ("2026-12-10", "08.30", "12.00")
    jakarta = k.kegiatan_body(_form(venue_region="31.71", start_time="8:00"))
    assert jakarta["starts_at"].endswith("08:00:00+07:00")


@pytest.mark.parametrize("over, field", [
    ({"title": " "}, "title"), ({"start_date": "10-12-2026"}, "starts_at"), ({"start_time": "25.00"}, "starts_at"),
    ({"end_time": "07.00"}, "ends_at"), ({"seats_per_ormas": "0"}, "seats_per_ormas"), ({"capacity": "banyak"}, "capacity"),
])
def test_a_bad_field_is_named(over, field):
    with pytest.raises(k.FormError) as e:
        k.kegiatan_body(_form(**over))
    assert field in e.value.errors


def test_speakers_and_a_three_day_agenda_from_lines():
    assert k.speakers("Dr. Ani; Kepala Bakesbangpol; Pemprov DKI\nBudi") == [
        {"name": "Dr. Ani", "position": "Kepala Bakesbangpol", "institution": "Pemprov DKI"},
        {"name": "Budi", "position": None, "institution": None}]
    got = k.agenda("08.00-09.00 Pembukaan\nHari 2:\n08.00 - selesai Praktik\nHari 3: Penutupan")
    assert got == [{"title": "Pembukaan", "time": "08.00-09.00"}, {"title": "Praktik", "time": "08.00-selesai", "day": 2},
                   {"title": "Penutupan", "day": 3}]
    again = k.kegiatan_values({"venue": {"region": "31.71"}, "agenda": got, "speakers": []})["agenda"]
    assert k.agenda(again) == got


def test_guests_pasted_from_a_spreadsheet_with_its_header():
    pasted = "Nama\tPeran\tJabatan\tInstansi\tSurel\tWhatsApp\n" \
             "AKBP Suryo\tPejabat\tKapolres\tPolres Pasuruan Kota\tpolres@contoh.id\t0812-3456-7890\n" \
             "Rina; Pers; Wartawan; Radar Bromo;;\n"
    got = k.guests(pasted)
    assert got[0] == {"name": "AKBP Suryo", "role": "official", "position": "Kapolres", "institution": "Polres Pasuruan Kota",
                      "email": "polres@contoh.id", "whatsapp": "+6281234567890"}
    assert got[1]["role"] == "press" and got[1]["email"] is None
    with pytest.raises(k.FormError) as e:
        k.guests("Ani; Pejabat; ; ; bukan-surel\nBudi;;;;;12")
    assert "Baris 1, 2" in e.value.errors["guests"]


def test_the_rule_builder_and_its_defaults():
    values = {"by_rule": "ya", "bidang": "pendidikan, sosial ", "valid_skt_on": "2018-04-30"}
    lists = {"kinds": ["ormas", "lsm", "bogus"], "legal_forms": []}
    assert k.rule_body(values, lambda n: lists.get(n, [])) == {
        "kinds": ["ormas", "lsm"], "legal_forms": [], "bidang": ["pendidikan", "sosial"], "exclude_suspended": True,
        "valid_skt_on": "2018-04-30"}
    assert k.rule_body({}, lambda n: []) is None


def test_the_month_calendar_places_a_three_day_training_on_each_of_its_days():
    training = {"id": "t", "title": "Pelatihan", "status": "published", "venue": {"region": "31.71"},
                "starts_at": "2026-12-07T01:00:00Z", "ends_at": "2026-12-09T09:00:00Z"}
    late = {"id": "w", "title": "Dialog malam", "status": "draft", "venue": {"region": "91.71"},  # WIT: 1 Jan local
            "starts_at": "2026-12-31T16:00:00Z", "ends_at": "2026-12-31T18:00:00Z"}
    weeks = k.month_grid(dt.date(2026, 12, 1), [training, late], dt.date(2026, 12, 2))
    days = {d["date"]: [i["id"] for i in d["items"]] for w in weeks for d in w}
    assert [d for d, ids in days.items() if "t" in ids] == [dt.date(2026, 12, 7), dt.date(2026, 12, 8), dt.date(2026, 12, 9)]
    assert days[dt.date(2027, 1, 1)] == ["w"] and days[dt.date(2026, 12, 31)] == []
    assert weeks[0][0]["date"].weekday() == 0 and any(d["today"] for w in weeks for d in w)
    assert k.shift(dt.date(2026, 12, 1), 1) == "2027-01" and k.shift(dt.date(2026, 1, 1), -1) == "2025-12"
    assert k.month_of("2026-13", dt.date(2026, 12, 2)) == dt.date(2026, 12, 1)


def test_attendance_ticked_by_day_and_a_visit_from_its_form():
    training = {"venue": {"region": "31.71"}, "starts_at": "2026-12-07T01:00:00Z", "ends_at": "2026-12-09T09:00:00Z"}
    days = k.days_of(training)
    assert [d.day for d in days] == [7, 8, 9]
    got = k.attendance_entries([("hadir", "k:o1|2026-12-07"), ("hadir", "k:o1|2026-12-08"), ("orang-k:o1", "3"),
                                ("hadir", "k:o2|2026-12-10"), ("hadir", "k:g-x|2026-12-09"), ("orang-k:g-x", "99")], days)
    assert got == [{"participant_id": "k:o1", "day": "2026-12-07", "people": 3},
                   {"participant_id": "k:o1", "day": "2026-12-08", "people": 3},
                   {"participant_id": "k:g-x", "day": "2026-12-09", "people": 1}]  # a day it did not run is left out
    visit = k.visit_body({"ormas_id": "o9", "ormas_name": "PWI Kabupaten Pekalongan", "date": "2026-11-30",
                          "start_time": "09.00", "end_time": "10.30", "visitors": "Ketua\nSekretaris",
                          "discussion": "Kerja sama peliputan", "follow_ups": "Pelatihan jurnalistik; Bidang Ormas\n"}, "33.26")
    assert visit["kegiatan"]["type"] == "silaturahmi" and visit["kegiatan"]["seats_per_ormas"] == 2
    assert visit["kegiatan"]["starts_at"] == "2026-11-30T09:00:00+07:00" and visit["people"] == 2
    assert visit["follow_ups"] == [("Pelatihan jurnalistik", "Bidang Ormas")]
    assert visit["minutes"].startswith("Yang datang: Ketua, Sekretaris")
    with pytest.raises(k.FormError) as e:
        k.visit_body({"date": "2026-11-30", "start_time": "09.00", "end_time": "08.00", "visitors": ""}, "33.26")
    assert set(e.value.errors) == {"ormas_id", "ends_at", "visitors"}


def test_a_saved_rule_comes_back_into_the_builder_as_it_was_sent():
    values = {"by_rule": "ya", "bidang": "pendidikan, sosial", "valid_skt_on": "2018-04-30", "include_suspended": "ya"}
    lists = {"kinds": ["ormas"], "legal_forms": ["yayasan"]}
    rule = k.rule_body(values, lambda n: lists.get(n, []))
    back = k.targeting_values({"targeting": {"rule": rule, "ormas_ids": []}, "guests": [{"name": "Camat", "role": "official"}]})
    assert k.rule_body(back, lambda n: back[n]) == rule
    assert back["guests"] == "Camat; Pejabat" and back["include_suspended"] == "ya"
    assert k.targeting_values({"targeting": None})["by_rule"] == "ya"  # nothing chosen yet: start from the rule
    assert k.targeting_values({"targeting": {"rule": None, "ormas_ids": ["o1"]}})["by_rule"] == ""


@pytest.mark.parametrize("status,opens", [(503, True), (403, False)])
def test_the_new_kegiatan_form_opens_without_the_signatory_when_the_registry_does_not_answer(status, opens):
    import asyncio
    from types import SimpleNamespace

    from services.web.adapters.apis import ApiProblem
    from services.web.application import kegiatan as use

    async def get(path, token):
        raise ApiProblem(status=status, detail="ReadTimeout")

    apis = SimpleNamespace(registry=SimpleNamespace(get=get))
    user = SimpleNamespace(region="35.75", access_token="t")
    if opens:
        values = asyncio.run(use.new_values(apis, user))
        assert values["venue_region"] == "35.75" and values["letter_signatory_name"] == ""
        assert values["letter_place"] == "Pasuruan"
    else:  # a refusal is not hidden
        with pytest.raises(ApiProblem):
            asyncio.run(use.new_values(apis, user))
