"""What the events service keeps of each ormas to resolve invitee targeting. No I/O."""

from __future__ import annotations

from typing import Any

# targeting rules read kind, legal form, bidang, region, status, SKT validity and sanctions; the
# invitation needs the contacts and the officers' names (never a NIK: the registry does not send it)
FIELDS = ("name", "acronym", "kind", "legal_form", "scope", "region", "status", "bidang", "email", "phone",
          "whatsapp", "skt_number", "skt_valid_until", "sanction_level", "officers")


def ormas_copy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in FIELDS}
