"""Each office signs its letters (PAdES) through the documents layer: the signature validates
against the office's certificate with pyHanko's validator, one changed byte is detected, and the
verification check tells an authentic file from a changed, unsigned or foreign one."""

import io

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from services.notifications.adapters.fonts import letter_fonts
from services.notifications.adapters.signing import OfficeKeys
from services.notifications.application import verification
from services.notifications.domain import documents, letters
from tests.unit.test_notifications_letters import invited


def _status(pdf: bytes, cert_pem: bytes):
    cert = asn1_x509.Certificate.load(x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER))
    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    return validate_pdf_signature(sig, ValidationContext(trust_roots=[cert]))


def _signing(keys: OfficeKeys, region: str) -> letters.Signing:
    return letters.Signing(cms=keys.cms(region), signer=keys.subject(region), location="Kota Pasuruan")


def _signed(keys: OfficeKeys, data=None, code="ABCDEFGH23") -> bytes:
    return letters.pdf(data or invited(), letter_fonts(), signing=_signing(keys, "35.75"),
                       verification=letters.Verification(code, f"https://kesbang.example/verifikasi/{code}"))


def _changed(pdf: bytes) -> bytes:
    tampered = bytearray(pdf)
    tampered[pdf.index(b"/MediaBox") + 12] ^= 1  # inside the signed revision
    return bytes(tampered)


def test_a_letter_signed_by_its_office_validates_and_a_changed_byte_does_not(tmp_path):
    keys = OfficeKeys(tmp_path)
    signed = _signed(keys)
    status = _status(signed, keys.certificate("35.75"))
    assert status.intact and status.valid and status.trusted and status.coverage.name == "ENTIRE_FILE"
    assert "Kota Pasuruan" in status.signing_cert.subject.human_friendly
    assert not _status(_changed(signed), keys.certificate("35.75")).intact
    other = OfficeKeys(tmp_path / "other")  # another office's certificate does not vouch for it
    assert not _status(signed, other.certificate("35.75")).trusted


def test_every_copy_has_its_own_signature_over_its_own_digest(tmp_path):
    keys = OfficeKeys(tmp_path)
    first, second = _signed(keys, code="ABCDEFGH23"), _signed(keys, code="ZYXWVUTS76")
    for pdf in (first, second):
        assert _status(pdf, keys.certificate("35.75")).valid
    assert first[-4000:] != second[-4000:]


def test_the_letter_whole_page_path_signs_and_prints_names_in_arabic_script(tmp_path):
    from pypdf import PdfReader

    keys = OfficeKeys(tmp_path)
    data = invited()
    data["recipient"]["name"] = "مجلس التعليم الخيرات"  # outside the fast template's charset
    signed = _signed(keys, data)
    assert _status(signed, keys.certificate("35.75")).valid
    assert "Kode verifikasi: ABCDE-FGH23" in PdfReader(io.BytesIO(signed)).pages[0].extract_text()


def test_the_verification_check_tells_authentic_from_changed_unsigned_and_foreign(tmp_path):
    keys = OfficeKeys(tmp_path)
    signed = _signed(keys)
    record = documents.record(code_="ABCDEFGH23", kind="surat_undangan", document_id="m1", number="005/1",
                              dated="2026-12-01", office_region="35.75", office_name="Bakesbangpol Kota Pasuruan",
                              addressee="Ketua LSM Gempar", title="Undangan", pdf=signed, now=None)
    record["sha256"] = [record["sha256"]]
    cert = keys.certificate("35.75")
    assert verification.check(signed, record, cert) == verification.Checked(True, "valid", True, verification.check(
        signed, record, cert).signed_by)
    changed = verification.check(_changed(signed), record, cert)
    assert not changed.hash_matches and changed.signature == "invalid" and not changed.intact
    unsigned = verification.check(letters.pdf(invited(), letter_fonts()), record, cert)
    assert unsigned.signature == "absent" and not unsigned.hash_matches
    assert verification.check(b"%PDF-1.4\nrubbish", record, cert).signature == "unreadable"
    foreign = OfficeKeys(tmp_path / "other")  # signed by a key the platform does not hold for this office
    assert verification.check(_signed(foreign), record, cert).signature == "invalid"


def test_an_office_key_is_made_once_and_kept_secret(tmp_path):
    keys = OfficeKeys(tmp_path)
    keys.ensure("72.71")
    first = (tmp_path / "72.71.key.pem").read_bytes()
    OfficeKeys(tmp_path).ensure("72.71")
    assert (tmp_path / "72.71.key.pem").read_bytes() == first
    assert (tmp_path / "72.71.key.pem").stat().st_mode & 0o077 == 0
