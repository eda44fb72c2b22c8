"""The invitation letter and short messages, written from an ``invited`` event."""

import datetime as dt

import pytest

from services.events import changes
from services.notifications.adapters.fonts import letter_fonts
from services.notifications.domain import letters
from tests.unit.test_events_changes import COPIES, K


def invited(**over):
    pairs, _ = changes.new_participants({**K, **over}, ["o1"], COPIES, secret=b"s" * 40,
                                        public_url="https://kesbang.example", now=dt.datetime(2026, 12, 21, tzinfo=dt.UTC), actor="op")
    data = pairs[0][1]["event"]["data"]
    return {**data["change"], "kind": data["kind"], "sent_on": "2026-12-01"}


def test_the_letter_has_the_formal_parts_in_bahasa_indonesia():
    t = letters.text(invited())
    for part in ("PEMERINTAH KOTA PASURUAN", "BADAN KESATUAN BANGSA DAN POLITIK KOTA PASURUAN", "Nomor    : 005/1",
                 "Sifat    : Penting", "Lampiran : -", "Perihal  : Undangan", "Yth. Ketua LSM Gempar",
                 "Hari/Tanggal : Selasa, 5 Januari 2027", "Waktu        : 08.00 WIB s.d. selesai",
                 "Tempat       : Kantor Bakesbangpol, Jl. Pahlawan, Kota Pasuruan", invited()["short_url"],
                 "paling banyak 2 orang utusan", "Pasuruan, 20 Desember 2026"):
        assert part in t, part
    assert "Selasa, 5 Januari 2027" in letters.html_letter(invited())


def test_the_time_is_written_in_the_venues_zone():
    wita = invited(venue={"name": "Aula", "address": None, "region": "73.71", "zone": "WITA"})  # Kota Makassar
    assert "09.00 WITA" in letters.text(wita) and "09.00 WITA" in letters.short_text(wita)


def test_the_pdf_is_one_page_with_the_qr_code():
    body = letters.pdf(invited(), letter_fonts())
    assert body.startswith(b"%PDF-") and body.count(b"/Type /Page\n") + body.count(b"/Type /Page ") >= 1
    assert 2_000 < len(body) < 100_000


def test_a_short_message_fits_whatsapp_and_names_the_link():
    s = letters.short_text(invited())
    assert s.startswith("Yth. Ketua LSM Gempar") and invited()["short_url"] in s and len(s) < 400
    assert "/rsvp/" not in s  # the short link, not the 230-character signed one
    office = invited()["kegiatan"]["organiser"]["name"]
    assert f"{office} mengundang" in s and " Dan " not in s  # the office as it writes its name


def test_a_letter_without_its_data_fails_at_preview_naming_the_field():
    data = invited()
    data["kegiatan"]["letter"]["signatory_name"] = None
    with pytest.raises(letters.LetterError) as e:
        letters.text(data)
    assert e.value.field == "letter" and "signatory_name" in e.value.message


def test_with_no_date_set_the_letter_is_dated_the_day_it_is_sent_in_the_offices_zone():
    from services.notifications.application.delivery import sent_on

    data = invited()
    data["kegiatan"]["letter"]["date"] = None
    assert "Pasuruan, 1 Desember 2026" in letters.text(data)  # not a week before the kegiatan
    late = dt.datetime(2026, 12, 1, 16, 30, tzinfo=dt.UTC)  # 23.30 WIB, 01.30 WIT the next day
    assert sent_on(data, late) == "2026-12-01"
    papua = {**data, "kegiatan": {**data["kegiatan"], "organiser": {**data["kegiatan"]["organiser"], "region": "91.71"}}}
    assert sent_on(papua, late) == "2026-12-02"


def test_names_with_diacritics_and_in_arabic_script_print_as_written():
    import io
    import unicodedata

    from pypdf import PdfReader

    data = invited()
    data["recipient"]["name"] = "Majelis Ta’lim Al-Khairaat Palu — Café Ā"
    data["kegiatan"]["title"] = "Dialog مجلس التعليم"
    raw = PdfReader(io.BytesIO(letters.pdf(data, letter_fonts()))).pages[0].extract_text()
    text = " ".join(raw.split())
    assert "Yth. Ketua Majelis Ta’lim Al-Khairaat Palu — Café Ā" in text  # not "Ta?lim"
    # shaped glyphs come back as presentation forms, with a control character here and there
    arabic = "".join(c for c in unicodedata.normalize("NFKC", raw) if unicodedata.category(c) != "Cc")
    assert "مجلس" in arabic and "التعليم" in arabic  # the Arabic words, as Arabic letters


def test_the_short_rsvp_link_is_short_unguessable_and_stable():
    from services.events import changes

    url = invited()["short_url"]
    code = url.rsplit("/", 1)[1]
    assert url == f"https://kesbang.example/r/{code}" and changes.SHORT.match(code) and len(url) < 40
    assert changes.short_code(b"s" * 40, "k1:o1") == code  # the same on every fan-out attempt
    assert changes.short_code(b"t" * 40, "k1:o1") != code and changes.short_code(b"s" * 40, "k1:o2") != code
    assert code in letters.text(invited()) and "/rsvp/" not in letters.text(invited())


def test_a_certificate_names_the_participant_the_training_and_its_days():
    import io

    from pypdf import PdfReader

    from services.notifications.domain import certificates

    k = {**invited()["kegiatan"], "type": "pelatihan", "title": "Pelatihan Tata Kelola Ormas",
         "starts_at": "2026-12-07T01:00:00Z", "ends_at": "2026-12-09T09:00:00Z"}
    body = certificates.pdf(k, name="Siti ‘Aisyah Ḥasan", institution="Majelis Ta’lim Al-Khairaat", number="005/1/S-001",
                            office={"letterhead": ["PEMERINTAH PROVINSI DKI JAKARTA"], "logo": None},
                            signatory_name="Dr. Budi", signatory_title="Kepala Badan", fonts=letter_fonts())
    text = " ".join(PdfReader(io.BytesIO(body)).pages[0].extract_text().split())
    for part in ("PEMERINTAH PROVINSI DKI JAKARTA", "SERTIFIKAT", "Nomor: 005/1/S-001", "Siti ‘Aisyah Ḥasan",
                 "Majelis Ta’lim Al-Khairaat", "Pelatihan Tata Kelola Ormas", "selama 3 hari", "Dr. Budi"):
        assert part in text, part


def test_a_certificate_is_earned_by_being_present_on_every_day():
    from services.events.domain import participation

    days = participation.days_of(dt.datetime(2026, 12, 7, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 9, 9, tzinfo=dt.UTC), "WIB")
    assert days == ["2026-12-07", "2026-12-08", "2026-12-09"]
    every = {"attendance": {d: {"people": 1} for d in days}}
    assert participation.present_every_day(every, days)
    assert not participation.present_every_day({"attendance": {"2026-12-07": {}, "2026-12-09": {}}}, days)
    assert not participation.present_every_day({}, days) and not participation.present_every_day(every, [])
