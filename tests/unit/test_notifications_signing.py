"""Each office signs its letters (PAdES): the signature validates against the office's certificate,
and one changed byte is detected."""

import io

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from services.notifications.adapters.fonts import letter_fonts
from services.notifications.adapters.signing import OfficeKeys
from services.notifications.domain import letters
from tests.unit.test_notifications_letters import invited


def _status(pdf: bytes, cert_pem: bytes):
    cert = asn1_x509.Certificate.load(x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER))
    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    return validate_pdf_signature(sig, ValidationContext(trust_roots=[cert]))


def test_a_letter_signed_by_its_office_validates_and_a_changed_byte_does_not(tmp_path):
    keys = OfficeKeys(tmp_path)
    signed = keys.sign(letters.pdf(invited(), letter_fonts()), "35.75")
    status = _status(signed, keys.certificate("35.75"))
    assert status.intact and status.valid and status.trusted
    assert "Kota Pasuruan" in status.signing_cert.subject.human_friendly
    tampered = bytearray(signed)
    at = signed.index(b"/MediaBox") + 12  # inside the signed revision
    tampered[at] ^= 1
    assert not _status(bytes(tampered), keys.certificate("35.75")).intact
    other = OfficeKeys(tmp_path / "other")  # another office's certificate does not vouch for it
    assert not _status(signed, other.certificate("35.75")).trusted


def test_an_office_key_is_made_once_and_kept_secret(tmp_path):
    keys = OfficeKeys(tmp_path)
    keys.ensure("72.71")
    first = (tmp_path / "72.71.key.pem").read_bytes()
    OfficeKeys(tmp_path).ensure("72.71")
    assert (tmp_path / "72.71.key.pem").read_bytes() == first
    assert (tmp_path / "72.71.key.pem").stat().st_mode & 0o077 == 0
