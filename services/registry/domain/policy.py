"""Who may take which lifecycle step (DESIGN.md roles). No I/O."""

from __future__ import annotations

from services.registry.domain.lifecycle import TRANSITIONS

_APPLICATION = ("operator", "admin")
_VERIFICATION = ("verifier", "admin")
_DECISION = ("verifier", "head", "admin")
_SANCTION = ("head", "admin")

ACTION_ROLES: dict[str, tuple[str, ...]] = {
    "start_application": _APPLICATION,
    "submit": (*_APPLICATION, "ormas"),  # an ormas account submits its own application (the portal)
    "start_verification": _VERIFICATION,
    "check_documents": _VERIFICATION,
    "record_field_visit": _VERIFICATION,
    "request_revision": _DECISION,
    "reject": _DECISION,
    "register": _DECISION,
    "forward": _DECISION,
    "record_kemendagri_skt": _DECISION,
    "renew": _DECISION,
    "mark_expiring": ("admin",),  # the daily job runs as the system
    "expire": ("admin",),
    "warn": _SANCTION,
    "suspend": _SANCTION,
    "revoke_skt": _SANCTION,
    "dissolve": _SANCTION,
    "lift_sanction": _SANCTION,
}
assert set(ACTION_ROLES) == set(TRANSITIONS), "every action needs its roles"
