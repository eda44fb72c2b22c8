"""The JSON Schemas of ``earlywarning.report`` events: the report as it is after the change.

No reporter's identity ever travels: an event says only the kind of source (team member, staff,
ormas, public). ``escalated`` and ``reminder_due`` carry the team members to tell and how to reach
them, which is all notifications needs.

``python -m shared.contracts.earlywarning_schemas`` rewrites the files; a unit test fails when a
checked-in file differs from what this module generates."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shared.contracts.events_schemas import NSTR, PHONE, STR, TIME, obj

SCHEMA_DIR = Path(__file__).parent / "schemas"
CATEGORIES = ["politik_pemilu", "sara", "sengketa_lahan", "antarkelompok", "ketimpangan_ekonomi", "unjuk_rasa", "lainnya"]
SEVERITIES = ["rendah", "sedang", "tinggi", "kritis"]
STATUSES = ["diterima", "diverifikasi", "tidak_terbukti", "ditangani", "selesai"]
SOURCES = ["anggota_tim", "staf", "ormas", "publik"]
OFFICE = {"type": "string", "pattern": "^[0-9]{2}\\.[0-9]{2}$"}
NTIME = {"type": ["string", "null"], "format": "date-time"}

REPORT = {
    "report_id": {"type": "string", "minLength": 1},
    "version": {"type": "integer", "minimum": 1},
    "region": OFFICE,
    "location_code": {"type": "string", "pattern": "^[0-9]{2}\\.[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{4})?)?$"},
    "title": STR,
    "category": {"enum": CATEGORIES},
    "severity": {"enum": SEVERITIES},
    "status": {"enum": STATUSES},
    "source_kind": {"enum": SOURCES},
    "people_estimate": {"type": ["integer", "null"], "minimum": 0},
    "parties": {"type": "array", "maxItems": 50,
                "items": obj({"ormas_id": NSTR, "name": STR}, ["ormas_id", "name"])},
    "kegiatan_ids": {"type": "array", "items": STR},
    "occurred_at": TIME,
    "received_at": TIME,
    "verified_at": NTIME,
    "handled_at": NTIME,
    "resolved_at": NTIME,
}
REQUIRED = ["report_id", "version", "region", "location_code", "title", "category", "severity", "status",
            "source_kind", "parties", "kegiatan_ids", "occurred_at", "received_at"]
STEP = obj({"by": STR, "note": NSTR, "from": {"enum": STATUSES}}, ["by", "from"])
MEMBER = obj({"member_id": STR, "name": STR, "region": {"type": "string"}, "email": NSTR, "whatsapp": PHONE,
              "phone": PHONE}, ["member_id", "name", "region", "email", "whatsapp", "phone"])
ALERT = obj({"level": {"enum": ["tinggi", "kritis"]}, "urgent": {"type": "boolean", "description": "outside quiet hours too"},
             "location_name": STR, "link": STR, "recipients": {"type": "array", "maxItems": 500, "items": MEMBER}},
            ["level", "urgent", "location_name", "link", "recipients"])

EVENTS = {
    "received": ("A report was received", obj({"by": STR}, ["by"])),
    "verified": ("A report was verified (its severity may have changed)", STEP),
    "dismissed": ("A report was found unproven (tidak terbukti)", STEP),
    "handling": ("A verified report is being handled", STEP),
    "resolved": ("A report was resolved", STEP),
    "assigned": ("A report was assigned to a team member", obj({"member_id": STR, "by": STR}, ["member_id", "by"])),
    "action_recorded": ("A follow-up action was recorded, perhaps linked to a kegiatan", obj(
        {"action_id": STR, "kegiatan_id": NSTR, "by": STR}, ["action_id", "kegiatan_id", "by"])),
    "escalated": ("Teams beyond the office must be told at once (tinggi, kritis)", ALERT),
    "reminder_due": ("A report stayed unverified too long: its assignee and the head are reminded", obj(
        {"hours": {"type": "number"}, "location_name": STR, "link": STR,
         "recipients": {"type": "array", "maxItems": 500, "items": MEMBER}}, ["hours", "location_name", "link", "recipients"])),
}


def _schema(event: str, title: str, change: dict) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:kesbang:schema:earlywarning.report.{event}:v1",
        "title": title,
        "type": "object",
        "additionalProperties": False,
        "required": [*REQUIRED, "change"],
        "properties": {**REPORT, "change": change},
    }


def all_schemas() -> dict[str, dict]:
    return {f"earlywarning.report.{e}": _schema(e, title, change) for e, (title, change) in EVENTS.items()}


def render(name: str) -> str:
    return json.dumps(all_schemas()[name], indent=2, ensure_ascii=False) + "\n"


def path(name: str) -> Path:
    return SCHEMA_DIR / f"{name}.v1.json"


def main() -> int:
    for name in all_schemas():
        path(name).write_text(render(name))
        print(f"wrote {path(name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
