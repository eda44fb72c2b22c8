"""An ormas record: its details, the rules they must satisfy, and the event snapshot. No I/O: the
caller supplies ids and time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from lokal import npwp as lokal_npwp
from lokal import phone as lokal_phone

from shared import regions
from shared.contracts.registry_schemas import KINDS, LEGAL_FORMS, SCOPES
from shared.errors import FieldError
from shared.masking import mask_phone  # noqa: F401  (re-exported: the registry's modules import it from here)
from shared.text import BadText
from shared.text import check as check_text

TOPIC = "registry.ormas"
SOURCE = "/kesbang/registry"
LEGAL_ENTITY_FORMS = ("perkumpulan", "yayasan")
PRESENCE_LETTERS = ("sktl", "skpo", "surat_keterangan_keberadaan")
CONTACT_FIELDS = ("email", "phone", "whatsapp")
DETAIL_FIELDS = ("name", "acronym", "kind", "legal_form", "decree_number", "scope", "bidang", "address",
                 "email", "phone", "whatsapp", "founding_date", "npwp", "presence_letters")

# the API's bounds, held here too so that every way in (the import included) meets them
MAX_LENGTHS = {"name": 300, "acronym": 50, "decree_number": 100, "email": 254, "phone": 30, "whatsapp": 30,
               "npwp": 30, "address.street": 300}
MAX_BIDANG, MAX_BIDANG_LENGTH = 20, 80
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


class InvalidOrmas(FieldError):
    """An ormas's details are not acceptable; ``field`` names the first bad one."""


def one_line(field: str, value: str) -> str:
    """``value`` as the API's bodies take it (shared.text): no control characters, one line."""
    try:
        return check_text(value)
    except BadText as e:
        raise InvalidOrmas(field, str(e)) from None


def name_key(name: str | None) -> str:
    """The form two names are compared in: case, accents, punctuation and spacing do not count."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def phone_e164(value: str, field: str, *, mobile: bool = False) -> str:
    info = lokal_phone.parse_phone(value)
    if not info.valid or not info.e164:
        raise InvalidOrmas(field, (info.errors[0].message if info.errors else "bukan nomor telepon yang sah"))
    if mobile and info.type != "mobile":
        raise InvalidOrmas(field, "WhatsApp needs a mobile number")
    return info.e164


@dataclasses.dataclass(frozen=True)
class Details:
    """What an office records about an ormas (everything but its lifecycle)."""

    name: str
    kind: str
    region: str
    legal_form: str = "tidak_berbadan_hukum"
    scope: str = "kabupaten_kota"
    acronym: str | None = None
    decree_number: str | None = None
    bidang: Sequence[str] = ()
    address: Mapping[str, Any] | None = None
    email: str | None = None
    phone: str | None = None
    whatsapp: str | None = None
    founding_date: dt.date | None = None
    npwp: str | None = None
    presence_letters: Sequence[Mapping[str, Any]] = ()

    def normalised(self, today: dt.date) -> dict[str, Any]:
        """The validated, normalised fields, or InvalidOrmas naming the first bad field."""
        name = " ".join((self.name or "").split())
        if not name_key(name):
            raise InvalidOrmas("name", "must contain letters or digits")
        for field, value in (("name", name), ("acronym", self.acronym), ("decree_number", self.decree_number),
                             ("email", self.email), ("phone", self.phone), ("whatsapp", self.whatsapp),
                             ("npwp", self.npwp), ("address.street", (self.address or {}).get("street"))):
            if value:
                one_line(field, value)
            if value and len(value) > MAX_LENGTHS[field]:
                raise InvalidOrmas(field, f"at most {MAX_LENGTHS[field]} characters")
        if len(self.bidang) > MAX_BIDANG:
            raise InvalidOrmas("bidang", f"at most {MAX_BIDANG} fields of activity")
        if self.kind not in KINDS:
            raise InvalidOrmas("kind", f"must be one of {', '.join(KINDS)}")
        if self.legal_form not in LEGAL_FORMS:
            raise InvalidOrmas("legal_form", f"must be one of {', '.join(LEGAL_FORMS)}")
        if self.scope not in SCOPES:
            raise InvalidOrmas("scope", f"must be one of {', '.join(SCOPES)}")
        if not regions.is_valid(self.region):
            raise InvalidOrmas("region", f"{self.region!r} is not a Kemendagri region code")
        decree = (self.decree_number or "").strip() or None
        if self.legal_form in LEGAL_ENTITY_FORMS and not decree:
            raise InvalidOrmas("decree_number", "a legal entity needs its Kemenkumham decree number")
        if self.legal_form not in LEGAL_ENTITY_FORMS and decree:
            raise InvalidOrmas("decree_number", "only a perkumpulan or yayasan has a Kemenkumham decree")
        acronym = " ".join(self.acronym.split()) if self.acronym and self.acronym.strip() else None
        bidang: list[str] = []
        for b in self.bidang:
            b = " ".join(str(b).split()).lower()
            if not b:
                raise InvalidOrmas("bidang", "an empty field of activity")
            one_line("bidang", b)
            if len(b) > MAX_BIDANG_LENGTH:
                raise InvalidOrmas("bidang", f"a field of activity has at most {MAX_BIDANG_LENGTH} characters")
            if b not in bidang:
                bidang.append(b)
        address = None
        if self.address:
            code = self.address.get("region") or self.region
            if not regions.is_valid(code):
                raise InvalidOrmas("address.region", f"{code!r} is not a Kemendagri region code")
            if not regions.within(self.region, code):
                raise InvalidOrmas("address.region", f"{code} is not inside {self.region}")
            address = {"street": (self.address.get("street") or "").strip() or None, "region": code,
                       "postal_code": self.address.get("postal_code")}
        email = self.email.strip().lower() if self.email and self.email.strip() else None
        if email and not _EMAIL.match(email):
            raise InvalidOrmas("email", "is not an e-mail address")
        phone = phone_e164(self.phone, "phone") if self.phone else None
        whatsapp = phone_e164(self.whatsapp, "whatsapp", mobile=True) if self.whatsapp else None
        if self.founding_date and self.founding_date > today:
            raise InvalidOrmas("founding_date", "is in the future")
        npwp = None
        if self.npwp:
            info = lokal_npwp.parse_npwp(self.npwp)
            if not info.valid:
                raise InvalidOrmas("npwp", info.errors[0].message if info.errors else "is not a valid NPWP")
            npwp = info.npwp16
        letters = []
        for i, letter in enumerate(self.presence_letters):
            if letter.get("type") not in PRESENCE_LETTERS:
                raise InvalidOrmas(f"presence_letters.{i}.type", f"must be one of {', '.join(PRESENCE_LETTERS)}")
            if not (letter.get("number") or "").strip():
                raise InvalidOrmas(f"presence_letters.{i}.number", "is required")
            issued = letter.get("issued_on")
            if issued is not None and issued > today:
                raise InvalidOrmas(f"presence_letters.{i}.issued_on", "is in the future")
            letters.append({"type": letter["type"], "number": letter["number"].strip(),
                            "issued_on": issued.isoformat() if issued else None})
        return {
            "name": name, "name_key": name_key(name), "acronym": acronym, "acronym_key": name_key(acronym) or None,
            "kind": self.kind, "legal_form": self.legal_form, "decree_number": decree, "scope": self.scope,
            "region": self.region, "bidang": bidang, "address": address, "email": email, "phone": phone,
            "whatsapp": whatsapp, "founding_date": self.founding_date.isoformat() if self.founding_date else None,
            "npwp": npwp, "presence_letters": letters,
        }


def create(details: Details, *, ormas_id: str, actor: str, now: dt.datetime) -> dict[str, Any]:
    """The document of a newly recorded ormas.

    Registration is optional by law (MK 82/PUU-XI/2013): a known ormas without an SKT is a valid
    record whose status is ``unregistered``; a perkumpulan or yayasan is a ``legal_entity``."""
    fields = details.normalised(now.date())
    status = "legal_entity" if fields["legal_form"] in LEGAL_ENTITY_FORMS else "unregistered"
    return {
        "_id": ormas_id, "version": 1, **fields, "status": status, "skt": None, "sanction": None,
        "verification": None, "expiry_notices": [], "officers": [],
        "created_at": now, "updated_at": now,
        "history": [{"at": now, "by": actor, "action": "created", "from": None, "to": status}],
    }


def changed_fields(doc: Mapping[str, Any], fields: Mapping[str, Any]) -> list[str]:
    return [k for k in DETAIL_FIELDS if k in fields and fields[k] != doc.get(k)]


def _field_visit_due(doc: Mapping[str, Any]) -> bool:
    """In verification, documents complete, the joint team's visit not yet recorded."""
    v = doc.get("verification") or {}
    return doc.get("status") == "in_verification" and bool(v.get("documents_complete")) and not v.get("field_visit")


def snapshot(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The ormas as every ``registry.ormas`` event carries it (never a NIK)."""
    skt = doc.get("skt") or {}
    return {
        "ormas_id": doc["_id"], "version": doc["version"], "name": doc["name"], "acronym": doc.get("acronym"),
        "kind": doc["kind"], "legal_form": doc.get("legal_form", "tidak_berbadan_hukum"),
        "scope": doc.get("scope", "kabupaten_kota"), "region": doc["region"], "status": doc["status"],
        "bidang": list(doc.get("bidang") or []), "email": doc.get("email"), "phone": doc.get("phone"),
        "whatsapp": doc.get("whatsapp"), "skt_number": skt.get("number"), "skt_issued_on": skt.get("issued_on"),
        "skt_valid_until": skt.get("valid_until"), "skt_issuer": skt.get("issuer") or ("kantor" if skt else None),
        "presence_number": skt.get("presence_number"), "presence_issued_on": skt.get("presence_issued_on"),
        "created_at": doc["created_at"].isoformat() if isinstance(doc.get("created_at"), dt.datetime) else None,
        "sanction_level": (doc.get("sanction") or {}).get("level"),
        "sanction_deadline": (doc.get("sanction") or {}).get("deadline"),
        "field_visit_due": _field_visit_due(doc),
        "activity_reported": sorted((doc.get("activity") or {}).keys()),
        "officers": [{"name": o["name"], "position": o["position"]} for o in doc.get("officers") or []],
    }
