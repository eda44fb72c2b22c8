"""The JSON Schemas of the ``registry.ormas`` events, generated from one snapshot definition.

Every event on ``registry.ormas`` carries the ormas as it is after the change (``ormas``) so that the
events, notifications and reporting services keep their copies without calling back; the type says
what happened and ``change`` carries its details. NIK never leaves the registry, so officers appear
only by name and position.

``python -m shared.contracts.registry_schemas`` rewrites the files; a unit test fails when a
checked-in file differs from what this module generates."""

from __future__ import annotations

import json
import sys
from pathlib import Path

SCHEMA_DIR = Path(__file__).parent / "schemas"

KINDS = ["ormas", "lsm", "okp", "profesi", "keagamaan", "asing"]
LEGAL_FORMS = ["perkumpulan", "yayasan", "tidak_berbadan_hukum"]
SCOPES = ["nasional", "provinsi", "kabupaten_kota"]
STATUSES = ["unregistered", "legal_entity", "draft", "submitted", "in_verification", "revision_requested",
            "rejected", "registered", "expiring", "expired", "suspended", "revoked", "dissolved"]
REGION = {"type": "string", "pattern": "^[0-9]{2}(\\.[0-9]{2}){0,2}(\\.[0-9]{4})?$"}
DATE = {"type": "string", "format": "date"}
NULLABLE_STR = {"type": ["string", "null"]}

SNAPSHOT = {
    "ormas_id": {"type": "string", "minLength": 1},
    "version": {"type": "integer", "minimum": 1},
    "name": {"type": "string", "minLength": 1, "maxLength": 300},
    "acronym": {"type": ["string", "null"], "maxLength": 50},
    "kind": {"enum": KINDS},
    "legal_form": {"enum": LEGAL_FORMS},
    "scope": {"enum": SCOPES},
    "region": REGION,
    "status": {"enum": STATUSES},
    "bidang": {"type": "array", "items": {"type": "string"}, "maxItems": 20},
    "email": NULLABLE_STR,
    "phone": {"type": ["string", "null"], "pattern": "^\\+[1-9][0-9]{6,14}$"},
    "whatsapp": {"type": ["string", "null"], "pattern": "^\\+[1-9][0-9]{6,14}$"},
    "skt_number": NULLABLE_STR,
    "skt_issued_on": {"type": ["string", "null"], "format": "date"},
    "skt_valid_until": {"type": ["string", "null"], "format": "date"},
    "skt_issuer": {"enum": [None, "kantor", "kemendagri"], "description": "who issued the SKT"},
    "presence_number": {"type": ["string", "null"], "description": "the office's own letter (surat keterangan "
                        "keberadaan) when Kemendagri issued the SKT: its number from the office's numbering"},
    "presence_issued_on": {"type": ["string", "null"], "format": "date"},
    "created_at": {"type": ["string", "null"], "format": "date-time"},
    "sanction_level": {"enum": [None, "warning", "suspended", "final"]},
    "sanction_deadline": {"type": ["string", "null"], "format": "date"},
    "field_visit_due": {"type": "boolean"},
    "activity_reported": {"type": "array", "maxItems": 200, "description": "the semesters it reported its activities of",
                          "items": {"type": "string", "pattern": "^[0-9]{4}-S[12]$"}},
    "officers": {"type": "array", "maxItems": 50, "items": {
        "type": "object", "additionalProperties": False, "required": ["name", "position"],
        "properties": {"name": {"type": "string"}, "position": {"type": "string"}}}},
}
REQUIRED = ["ormas_id", "version", "name", "kind", "region", "status"]

TRANSITION = {
    "type": "object", "additionalProperties": False, "required": ["action", "from", "to"],
    "properties": {"action": {"type": "string"}, "from": {"enum": STATUSES}, "to": {"enum": STATUSES},
                   "reason": NULLABLE_STR, "authority": NULLABLE_STR},
}
FIELDS_CHANGED = {"type": "object", "additionalProperties": False, "required": ["fields"],
                  "properties": {"fields": {"type": "array", "items": {"type": "string"}, "minItems": 1}}}

EVENTS = {
    "created": ("An ormas was recorded in an office's registry", None),
    "updated": ("An ormas's recorded details changed", FIELDS_CHANGED),
    "contacts_changed": ("An ormas's e-mail, phone or WhatsApp changed", FIELDS_CHANGED),
    "officers_changed": ("An ormas's board changed", FIELDS_CHANGED),
    "status_changed": ("An ormas moved in its lifecycle", TRANSITION),
    "submitted": ("An ormas submitted its SKT application", TRANSITION),
    "registered": ("An ormas was registered and holds a valid SKT", {
        **TRANSITION, "required": ["action", "from", "to", "skt_number", "valid_until"],
        "properties": {**TRANSITION["properties"], "skt_number": {"type": "string"}, "valid_until": DATE}}),
    "skt_expiring": ("An ormas's SKT expires soon (90, 30 or 7 days)", {
        "type": "object", "additionalProperties": False, "required": ["days_left", "valid_until"],
        "properties": {"days_left": {"enum": [90, 30, 7]}, "valid_until": DATE}}),
    "sanction_applied": ("A sanction under UU 16/2017 was applied to an ormas", {
        **TRANSITION, "required": ["action", "from", "to", "level", "authority"],
        "properties": {**TRANSITION["properties"], "level": {"enum": ["warning", "suspended", "final"]},
                       "deadline": {"type": ["string", "null"], "format": "date"}}}),
    "sanction_lifted": ("A sanction on an ormas was lifted", TRANSITION),
    "activity_reported": ("An ormas reported its activities of a semester (laporan kegiatan)", {
        "type": "object", "additionalProperties": False,
        "required": ["period", "activities", "people_reached", "funding_sources"],
        "properties": {"period": {"type": "string", "pattern": "^[0-9]{4}-S[12]$"},
                       "activities": {"type": "integer", "minimum": 0}, "people_reached": {"type": "integer", "minimum": 0},
                       "funding_sources": {"type": "array", "items": {"type": "string"}}}}),
    "activity_report_due": ("An ormas has not reported its activities of a semester: it is reminded", {
        "type": "object", "additionalProperties": False, "required": ["period", "due_on"],
        "properties": {"period": {"type": "string", "pattern": "^[0-9]{4}-S[12]$"}, "due_on": DATE}}),
}


def schema(event: str) -> dict:
    title, change = EVENTS[event]
    props = dict(SNAPSHOT)
    required = list(REQUIRED)
    if change is not None:
        props["change"] = change
        required.append("change")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:kesbang:schema:registry.ormas.{event}:v1",
        "title": title,
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": props,
    }


def render(event: str) -> str:
    return json.dumps(schema(event), indent=2, ensure_ascii=False) + "\n"


def path(event: str) -> Path:
    return SCHEMA_DIR / f"registry.ormas.{event}.v1.json"


# ``registry.office``: an office's settings as letters use them, sent whole at each change (keyed by
# the office's region, "" for the national office), so events and notifications keep a copy.
OFFICE_PATH = SCHEMA_DIR / "registry.office.updated.v1.json"
LOGO_MAX_BASE64 = 350_000  # 256 KB as base64


def office_schema() -> dict:
    text = {"type": ["string", "null"], "maxLength": 300}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:kesbang:schema:registry.office.updated:v1",
        "title": "An office's settings changed (letterhead, contacts, head, logo, signature, numbering)",
        "type": "object", "additionalProperties": False,
        "required": ["region", "version", "name", "letterhead", "logo"],
        "properties": {
            "region": {"anyOf": [REGION, {"const": ""}]},
            "version": {"type": "integer", "minimum": 1},
            "name": {"type": ["string", "null"], "maxLength": 200},
            "letterhead": {"type": "array", "maxItems": 6, "items": {"type": "string", "maxLength": 200}},
            "address": text, "head_name": text, "head_title": text,
            "phone": {"type": ["string", "null"], "maxLength": 40}, "email": {"type": ["string", "null"], "maxLength": 200},
            "website": {"type": ["string", "null"], "maxLength": 200},
            "head_nip": {"type": ["string", "null"], "pattern": "^[0-9]{18}$"},
            "skt_number_format": text, "presence_number_format": text,
            "logo": {"anyOf": [{"type": "null"}, {
                "type": "object", "additionalProperties": False, "required": ["media_type", "sha256", "data"],
                "properties": {"media_type": {"enum": ["image/png", "image/svg+xml"]},
                               "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                               "data": {"type": "string", "maxLength": LOGO_MAX_BASE64,
                                        "description": "base64"}}}]},
            "signature": {"anyOf": [{"type": "null"}, {
                "type": "object", "additionalProperties": False, "required": ["media_type", "sha256", "data"],
                "description": "the head's signature image, printed on the letters the head signs",
                "properties": {"media_type": {"const": "image/png"},
                               "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                               "data": {"type": "string", "maxLength": LOGO_MAX_BASE64,
                                        "description": "base64"}}}]},
        },
    }


def account_schema() -> dict:
    """``registry.account.verification_requested``: a new organisation signed up on the portal; the
    e-mail address it gave is sent a one-time link (valid 48 hours) that proves it and sets the
    account's password. The link is what notifications needs; nothing else about the applicant."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:kesbang:schema:registry.account.verification_requested:v1",
        "title": "A new organisation signed up: its e-mail address is to be verified",
        "type": "object", "additionalProperties": False,
        "required": ["signup_id", "email", "full_name", "organisation", "region", "link", "expires_at"],
        "properties": {"signup_id": {"type": "string", "minLength": 1}, "email": {"type": "string", "minLength": 3},
                       "full_name": {"type": "string"}, "organisation": {"type": "string"}, "region": REGION,
                       "link": {"type": "string", "format": "uri"}, "expires_at": {"type": "string", "format": "date-time"}},
    }


def render_account() -> str:
    return json.dumps(account_schema(), indent=2, ensure_ascii=False) + "\n"


ACCOUNT_SCHEMA_PATH = SCHEMA_DIR / "registry.account.verification_requested.v1.json"


def render_office() -> str:
    return json.dumps(office_schema(), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    ACCOUNT_SCHEMA_PATH.write_text(render_account())
    for event in EVENTS:
        path(event).write_text(render(event))
        print(f"wrote {path(event)}")
    OFFICE_PATH.write_text(render_office())
    print(f"wrote {OFFICE_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
