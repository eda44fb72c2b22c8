"""The documents layer: a letter's constant page made once and each copy drawn over it reads the
same as a page rendered whole; its QR codes decode to the short RSVP link and the verification
page; verification codes are stable, unguessable and forgiving as typed."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from services.notifications.adapters.fonts import letter_fonts
from services.notifications.domain import documents, letters
from tests.helpers import qr_codes
from tests.unit.test_notifications_letters import invited

VERIFY = letters.Verification("ABCDEFGH23", "https://kesbang.example/verifikasi/ABCDEFGH23")


def _text(pdf: bytes) -> str:
    return " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())


def test_a_letter_drawn_over_its_template_reads_as_the_whole_page_does():
    data = invited()
    data["recipient"]["name"] = "Majelis Ta’lim Al-Khairaat Palu — Café Ā ḥ"
    fast = letters.pdf(data, letter_fonts(), verification=VERIFY)
    letters._templates.clear()
    whole = letters.pdf({**data, "recipient": {**data["recipient"], "name": data["recipient"]["name"] + " مجلس"}},
                        letter_fonts(), verification=VERIFY)
    for part in ("Yth. Ketua Majelis Ta’lim Al-Khairaat Palu — Café Ā ḥ", "Nomor : 005/1", "Kepada", "di - Tempat",
                 "Kode verifikasi: ABCDE-FGH23", "https://kesbang.example/verifikasi/ABCDEFGH23", data["short_url"],
                 "Surat ini ditandatangani secara elektronik"):
        assert part in _text(fast), part
        assert part in _text(whole), part
    assert len(PdfReader(io.BytesIO(fast)).pages) == 1


def test_the_second_copy_reuses_the_kegiatans_page():
    letters._templates.clear()
    first = invited()
    letters.pdf(first, letter_fonts())
    assert len(letters._templates) == 1
    other = invited()
    other["recipient"]["name"] = "Ormas Lain"
    assert "Yth. Ketua Ormas Lain" in _text(letters.pdf(other, letter_fonts()))
    assert len(letters._templates) == 1  # the addressee is not part of the page
    other["kegiatan"]["title"] = "Dialog Lain"
    letters.pdf(other, letter_fonts())
    assert len(letters._templates) == 2


def test_the_qr_codes_open_the_short_rsvp_link_and_the_verification_page():
    data = invited()
    assert qr_codes(letters.pdf(data, letter_fonts(), verification=VERIFY)) == [data["short_url"], VERIFY.url]
    assert qr_codes(letters.pdf(data, letter_fonts())) == [data["short_url"]]  # a preview: no code yet


def test_a_long_name_wraps_within_its_box():
    data = invited()
    data["recipient"]["name"] = "Himpunan Pengusaha Muda dan Pemuda Pelopor Kebangsaan " * 3
    text = _text(letters.pdf(data, letter_fonts(), verification=VERIFY))
    assert "Yth. Ketua Himpunan" in text and "Dengan hormat" in text


def test_verification_codes_are_stable_unguessable_and_forgiving_as_typed():
    a = documents.code(b"k" * 32, "m1")
    assert a == documents.code(b"k" * 32, "m1") and len(a) == 10 and documents.CODE.match(a)
    assert a != documents.code(b"k" * 32, "m2") and a != documents.code(b"j" * 32, "m1")
    assert documents.normal_code(f" {documents.spaced(a).lower()} ") == a
    assert documents.normal_code("ABCDE-FGH2") is None and documents.normal_code("ABCDE-FGH2!") is None


def test_the_public_record_masks_the_addressee():
    assert documents.mask_addressee("Ketua Majelis Ta’lim Al-Khairaat") == "Ketua Ma***** Ta**** Al******"
    assert documents.mask_addressee("Dr. Ahmad, Camat") == "Dr. Ah**** Ca***"
    assert documents.mask_addressee("Siti Aisyah", titled=False) == "Si** Ai****"  # a person: every word


def test_a_page_cannot_be_drawn_over_with_a_character_outside_its_charset():
    import pytest

    data = invited()
    template, slots = letters._template(letters.fields({**data, "office": None}), letter_fonts())
    with pytest.raises(ValueError):
        template.render([documents.Text(20, 20, "مجلس")])


def test_the_registration_letter_names_the_ormas_and_its_validity_and_needs_the_head(tmp_path):
    from services.notifications.adapters.signing import OfficeKeys
    from services.notifications.domain import registry_letters
    from tests.unit.test_notifications_signing import _status

    ormas = {"id": "o1", "name": "Majelis Ta’lim Al-Khairaat Palu", "acronym": "MTA", "kind": "keagamaan",
             "legal_form": "tidak_berbadan_hukum", "region": "72.71", "office_region": "72.71", "bidang": ["keagamaan"],
             "address": {"street": "Jl. Sis Aljufri No. 1", "region": "72.71"},
             "skt": {"number": "220/0007/SKT/2026", "issued_on": "2026-12-02", "valid_until": "2031-12-02"}}
    office = {"name": "Badan Kesbangpol Kota Palu", "letterhead": ["PEMERINTAH KOTA PALU"], "head_name": "Dr. Ahmad Syafi’i",
              "head_title": "Kepala Badan", "logo": None}
    keys = OfficeKeys(tmp_path)
    signing = letters.Signing(cms=keys.cms("72.71"), signer=keys.subject("72.71"), location="Kota Palu")
    body = registry_letters.pdf(ormas, office, letter_fonts(), verification=VERIFY, signing=signing)
    text = _text(body)
    for part in ("SURAT KETERANGAN TERDAFTAR", "Nomor: 220/0007/SKT/2026", "Majelis Ta’lim Al-Khairaat Palu",
                 "Organisasi Keagamaan", "sampai dengan 2 Desember 2031", "Palu, 2 Desember 2026", "Dr. Ahmad Syafi’i",
                 "Kode verifikasi: ABCDE-FGH23"):
        assert part in text, part
    assert qr_codes(body) == [VERIFY.url] and _status(body, keys.certificate("72.71")).valid
    with pytest.raises(letters.LetterError) as e:
        registry_letters.pdf(ormas, {**office, "head_title": None}, letter_fonts())
    assert e.value.field == "office"
    with pytest.raises(letters.LetterError) as e:
        registry_letters.pdf({**ormas, "skt": {}}, office, letter_fonts())
    assert e.value.field == "skt"


def test_where_kemendagri_issued_the_skt_the_office_writes_its_surat_keterangan_keberadaan():
    """Permendagri 57/2017: the Minister's SKT number is named in the letter; the letter's own
    number and date are the office's."""
    from services.notifications.domain import registry_letters

    ormas = {"id": "o2", "name": "Paguyuban Warga Cimahi", "kind": "ormas", "legal_form": "tidak_berbadan_hukum",
             "region": "32.77", "office_region": "32.77", "bidang": ["sosial"],
             "skt": {"number": "01-00-00/0042/D.III.1/XII/2026", "issued_on": "2026-11-20", "valid_until": "2031-11-20",
                     "issuer": "kemendagri", "presence_number": "220/0003/SKK/32.77/2026",
                     "presence_issued_on": "2026-12-01"}}
    office = {"name": "Badan Kesbangpol Kota Cimahi", "letterhead": [], "head_name": "Drs. Asep Saepulloh",
              "head_title": "Kepala Badan", "logo": None}
    letter = registry_letters.kind_of(ormas)
    assert (letter.kind, letter.number, letter.dated) == ("surat_keterangan_keberadaan", "220/0003/SKK/32.77/2026",
                                                          dt.date(2026, 12, 1))
    text = _text(registry_letters.pdf(ormas, office, letter_fonts(), verification=VERIFY))
    for part in ("SURAT KETERANGAN KEBERADAAN", "Nomor: 220/0003/SKK/32.77/2026", "Menteri Dalam Negeri",
                 "01-00-00/0042/D.III.1/XII/2026", "Cimahi, 1 Desember 2026", "20 November 2031"):
        assert part in " ".join(text.split()), part
    assert "SURAT KETERANGAN TERDAFTAR" not in text
    with pytest.raises(letters.LetterError) as e:  # a Kemendagri SKT without the office's own number
        registry_letters.kind_of({**ormas, "skt": {**ormas["skt"], "presence_number": None}})
    assert e.value.field == "skt.presence_number"
