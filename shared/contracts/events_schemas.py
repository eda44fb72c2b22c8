"""The JSON Schemas of the ``events.kegiatan`` and ``events.participation`` events.

``events.kegiatan`` carries the kegiatan as it is after the change (what reporting counts: type,
region, month, venue); ``events.participation`` carries one participant. ``invited`` carries all
that the notifications service needs to write and send the invitation — the recipient's contacts,
the letter data, the venue's time zone, the RSVP link and the check-in token — so that nobody
calls back. No NIK ever: officers appear by name and position only.

``python -m shared.contracts.events_schemas`` rewrites the files; a unit test fails when a
checked-in file differs from what this module generates."""

from __future__ import annotations

import json
import sys
from pathlib import Path

SCHEMA_DIR = Path(__file__).parent / "schemas"

TYPES = ["fasilitasi", "dialog", "pelatihan", "apel", "silaturahmi", "sosialisasi", "rapat_koordinasi"]
KEGIATAN_STATUSES = ["draft", "published", "rescheduled", "ongoing", "completed", "cancelled"]
ZONES = ["WIB", "WITA", "WIT"]
PARTICIPANT_KINDS = ["ormas", "guest", "walk_in"]
REGION = {"type": "string", "pattern": "^[0-9]{2}(\\.[0-9]{2}){0,2}(\\.[0-9]{4})?$"}
TIME = {"type": "string", "format": "date-time"}
STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
PHONE = {"type": ["string", "null"], "pattern": "^\\+[1-9][0-9]{6,14}$"}


def obj(props: dict, required: list[str] | None = None, *, closed: bool = True) -> dict:
    out: dict = {"type": "object", "properties": props, "required": required or []}
    if closed:
        out["additionalProperties"] = False
    return out


VENUE = obj({"name": STR, "address": NSTR, "region": REGION, "region_name": NSTR, "zone": {"enum": ZONES},
             "timezone": STR}, ["name", "region", "zone", "timezone"])
LETTER = obj({"number": STR, "nature": STR, "attachment": STR, "subject": STR, "signatory_name": STR,
              "signatory_title": STR, "signatory_nip": NSTR, "place": NSTR, "date": {"type": ["string", "null"], "format": "date"}},
             ["number", "nature", "attachment", "subject", "signatory_name", "signatory_title"])
ORGANISER = obj({"name": STR, "region": REGION, "address": NSTR}, ["name", "region"])
PERSON = obj({"name": STR, "position": NSTR, "institution": NSTR}, ["name"])
AGENDA_ITEM = obj({"time": NSTR, "title": STR, "day": {"type": ["integer", "null"]}}, ["title"])

KEGIATAN = {
    "kegiatan_id": {"type": "string", "minLength": 1},
    "version": {"type": "integer", "minimum": 1},
    "title": {"type": "string", "minLength": 1},
    "type": {"enum": TYPES},
    "theme": NSTR,
    "region": REGION,
    "status": {"enum": KEGIATAN_STATUSES},
    "starts_at": TIME,
    "ends_at": TIME,
    "venue": VENUE,
    "organiser": ORGANISER,
    "seats_per_ormas": {"type": "integer", "minimum": 1},
    "capacity": {"type": ["integer", "null"]},
    "invited": {"type": "integer", "minimum": 0},
}
KEGIATAN_REQUIRED = ["kegiatan_id", "version", "title", "type", "region", "status", "starts_at", "ends_at", "venue"]

ASPIRATION = obj({
    "id": STR, "topic": STR, "text": STR, "raised_by": STR, "raised_by_ormas_id": NSTR,
    "follow_up_owner": NSTR, "status": {"enum": ["open", "in_progress", "done", "declined"]},
    "note": NSTR}, ["id", "topic", "raised_by", "status"])

KEGIATAN_EVENTS = {
    "published": ("A kegiatan was published; its invitee list is frozen", obj({"invited": {"type": "integer"}}, ["invited"])),
    "rescheduled": ("A kegiatan moved to another time", obj(
        {"reason": STR, "previous_starts_at": TIME, "previous_ends_at": TIME}, ["reason", "previous_starts_at", "previous_ends_at"])),
    "started": ("A kegiatan began (its first day), or was recorded after it took place", obj(
        {"recorded": {"type": "boolean", "description": "recorded afterwards: nobody was invited by letter"}}, [])),
    "cancelled": ("A kegiatan was cancelled", obj({"reason": STR}, ["reason"])),
    "completed": ("A kegiatan took place and was closed with its attendance", obj({
        "invited": {"type": "integer"}, "attending": {"type": "integer"}, "declined": {"type": "integer"},
        "checked_in": {"type": "integer"}, "walk_ins": {"type": "integer"}, "people_present": {"type": "integer"},
        "aspirations": {"type": "integer"}, "has_minutes": {"type": "boolean"}},
        ["invited", "attending", "declined", "checked_in", "walk_ins", "people_present", "aspirations", "has_minutes"])),
    "aspiration_recorded": ("An aspiration or recommendation was raised at a kegiatan", obj({"aspiration": ASPIRATION}, ["aspiration"])),
    "aspiration_updated": ("The follow-up of an aspiration changed", obj({"aspiration": ASPIRATION}, ["aspiration"])),
}

PARTICIPANT = {
    "participant_id": {"type": "string", "minLength": 1},
    "kegiatan_id": {"type": "string", "minLength": 1},
    "version": {"type": "integer", "minimum": 1},
    "kind": {"enum": PARTICIPANT_KINDS},
    "ormas_id": NSTR,
    "name": {"type": "string", "minLength": 1},
    "region": {"anyOf": [REGION, {"type": "null"}]},
    "kegiatan_region": REGION,
    "kegiatan_type": {"enum": TYPES},
    "starts_at": TIME,
}
PARTICIPANT_REQUIRED = ["participant_id", "kegiatan_id", "version", "kind", "name", "kegiatan_region", "kegiatan_type", "starts_at"]

RECIPIENT = obj({
    "name": STR, "email": NSTR, "phone": PHONE, "whatsapp": PHONE, "position": NSTR, "institution": NSTR,
    "officers": {"type": "array", "maxItems": 50, "items": obj({"name": STR, "position": STR}, ["name", "position"])},
}, ["name", "email", "phone", "whatsapp"])

PARTICIPATION_EVENTS = {
    "invited": ("A participant was invited: everything the invitation letter and its messages need", obj({
        "recipient": RECIPIENT,
        "seats": {"type": "integer", "minimum": 1},
        "kegiatan": obj({**{k: KEGIATAN[k] for k in ("title", "type", "theme", "starts_at", "ends_at", "venue", "organiser")},
                         "speakers": {"type": "array", "items": PERSON}, "agenda": {"type": "array", "items": AGENDA_ITEM},
                         "letter": {"anyOf": [LETTER, {"type": "null", "description": "recorded: no letter"}]}},
                        ["title", "type", "starts_at", "ends_at", "venue", "organiser", "letter"]),
        "rsvp_url": {"type": "string", "format": "uri"},
        "short_url": {"type": "string", "format": "uri", "description": "/r/<code>: the RSVP link as a letter prints it"},
        "rsvp_cutoff": TIME,
        "checkin_token": {"type": "string", "minLength": 20},
        "reachable": {"type": "boolean"},
        "recorded": {"type": "boolean", "description": "a kegiatan recorded after it took place: no letter is sent"},
    }, ["recipient", "seats", "kegiatan", "rsvp_url", "rsvp_cutoff", "checkin_token", "reachable"])),
    "responded": ("A participant answered the invitation (attending with delegates, or declined)", obj({
        "attending": {"type": "boolean"}, "delegates": {"type": "integer", "minimum": 0},
        "reason": NSTR, "at": TIME,
        "recorded_via": {"enum": ["telepon", "surat", "langsung", "whatsapp", "lainnya"],
                         "description": "an answer received by the office and recorded by staff"},
        "waitlisted": {"type": "boolean", "description": "attending, but the room is full: on the waiting list"},
        "from_waitlist": {"type": "boolean", "description": "seated from the waiting list as seats came free"},
    }, ["attending", "delegates", "at"])),
    "checked_in": ("A participant was present (one event per day of a multi-day kegiatan)", obj({
        "day": {"type": "string", "format": "date"}, "at": TIME, "people": {"type": "integer", "minimum": 1},
        "method": {"enum": ["qr", "search", "walk_in", "manual"],
                   "description": "manual: entered afterwards for a kegiatan recorded after it took place"}},
        ["day", "at", "people", "method"])),
}


OPTIONAL_CHANGE = {"events.kegiatan.started"}  # its change came later: older events have none


def _schema(topic: str, event: str, title: str, props: dict, required: list[str], change: dict | None) -> dict:
    props = dict(props)
    required = list(required)
    if change is not None:
        props["change"] = change
        if f"{topic}.{event}" not in OPTIONAL_CHANGE:
            required.append("change")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:kesbang:schema:{topic}.{event}:v1",
        "title": title,
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": props,
    }


def all_schemas() -> dict[str, dict]:
    out = {}
    for event, (title, change) in KEGIATAN_EVENTS.items():
        out[f"events.kegiatan.{event}"] = _schema("events.kegiatan", event, title, KEGIATAN, KEGIATAN_REQUIRED, change)
    for event, (title, change) in PARTICIPATION_EVENTS.items():
        out[f"events.participation.{event}"] = _schema("events.participation", event, title, PARTICIPANT,
                                                       PARTICIPANT_REQUIRED, change)
    return out


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
