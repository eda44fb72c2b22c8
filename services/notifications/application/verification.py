"""Checking a document someone holds against the record of what the office signed: the file's
hash against the recorded ones, and its PAdES signature (pyHanko's validator) against the office's
certificate as the platform keeps it. CPU-bound: the API runs it in a thread."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
from collections.abc import Mapping
from typing import Any

from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Checked:
    hash_matches: bool  # the file is byte for byte one the office sent
    signature: str  # valid | invalid | absent | unreadable
    intact: bool  # nothing the signature covers was changed
    signed_by: str | None


def check(pdf: bytes, record: Mapping[str, Any], certificate_pem: bytes) -> Checked:
    matches = hashlib.sha256(pdf).hexdigest() in (record.get("sha256") or [])
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception as e:  # noqa: BLE001 — whatever a damaged or foreign file makes the reader raise
        log.info("document %s: unreadable PDF (%s)", record.get("_id"), type(e).__name__)
        return Checked(matches, "unreadable", False, None)
    if not signatures:
        return Checked(matches, "absent", False, None)
    trusted = x509.Certificate.load(pem.unarmor(certificate_pem)[2])
    try:
        status = validate_pdf_signature(signatures[-1], ValidationContext(trust_roots=[trusted]))
    except Exception as e:  # noqa: BLE001 — a malformed signature is an invalid one
        log.info("document %s: signature not validated (%s)", record.get("_id"), type(e).__name__)
        return Checked(matches, "invalid", False, None)
    signer = status.signing_cert.subject.native.get("common_name") if status.signing_cert else None
    valid = bool(status.bottom_line and status.intact and status.coverage.name == "ENTIRE_FILE")
    return Checked(matches, "valid" if valid else "invalid", bool(status.intact), signer)
