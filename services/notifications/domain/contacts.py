"""What notifications keeps of each ormas to reach it. No I/O."""

from __future__ import annotations

from typing import Any

# every channel an invitation or an SKT notice can take, and the chair's name for "Kepada Yth."
FIELDS = ("name", "acronym", "region", "status", "email", "phone", "whatsapp", "skt_number", "skt_valid_until",
          "officers", "kind", "legal_form", "bidang", "skt_issued_on", "skt_issuer", "presence_number",
          "presence_issued_on")  # from "kind" on: its letter from the portal


def contact_copy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in FIELDS}
