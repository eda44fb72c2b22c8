"""The JSON Schemas of ``notifications.delivery``: one message's fate (sent, delivered, read,
failed, or unreachable: no usable contact). Reporting counts invitations by channel from these.

``python -m shared.contracts.notifications_schemas`` rewrites the files; a unit test fails when a
checked-in file differs from what this module generates."""

from __future__ import annotations

import json
import sys
from pathlib import Path

SCHEMA_DIR = Path(__file__).parent / "schemas"
STATUSES = {"sent": "A message was handed to its provider", "delivered": "The provider reported the message delivered",
            "read": "The provider reported the message read", "failed": "A message failed for good (with the reason)",
            "unreachable": "A participant has no usable contact on any channel"}
NSTR = {"type": ["string", "null"]}


def schema(status: str) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:kesbang:schema:notifications.delivery.{status}:v1",
        "title": STATUSES[status],
        "type": "object",
        "additionalProperties": False,
        "required": ["message_id", "kind", "channel", "status", "attempts", "at"],
        "properties": {
            "message_id": {"type": "string", "minLength": 1}, "participant_id": NSTR, "kegiatan_id": NSTR,
            "ormas_id": NSTR, "kind": {"type": "string"}, "channel": {"enum": ["email", "whatsapp", "sms", "none"]},
            "status": {"const": status}, "attempts": {"type": "integer", "minimum": 0}, "reason": NSTR,
            "at": {"type": "string", "format": "date-time"},
        },
    }


def render(status: str) -> str:
    return json.dumps(schema(status), indent=2, ensure_ascii=False) + "\n"


def path(status: str) -> Path:
    return SCHEMA_DIR / f"notifications.delivery.{status}.v1.json"


def main() -> int:
    for s in STATUSES:
        path(s).write_text(render(s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
