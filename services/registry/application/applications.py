"""A new organisation's online application: its verified sign-up becomes a draft in its office's
book, bound to an ormas account, which then completes the application from the portal — its
details, its documents (the checklist of its legal form), the submission, and after a revision note
the fixes and the submission again. The office verifies and decides as for any application."""

from __future__ import annotations

from typing import Any

from services.registry.adapters.accounts import Accounts
from services.registry.application import ormas as ormas_use
from services.registry.settings import Settings
from shared import errors
from shared.auth import Principal

EDITABLE = ("draft", "revision_requested", "unregistered")  # what the applicant may still change


def opener(ports: ormas_use.Ports, accounts: Accounts, config: Settings):
    """What ``accounts.activate`` calls for a verified sign-up: the draft and its account."""

    async def open_application(signup: dict[str, Any], password_hash: str) -> str:
        org = signup["organisation"]
        office = Principal(subject=f"portal:{signup['email']}", role="operator", region=org["region"])
        body = {k: v for k, v in org.items() if v}
        body["email"] = signup["email"]
        made = await ormas_use.create(ports, office, body, fingerprint=signup["signup_id"],
                                      idempotency_key=signup["signup_id"])
        doc = made.doc
        if doc["status"] == "unregistered":  # not a legal entity: it applies for registration
            doc = await ormas_use.transition(ports, accounts, config.skt_number_format, office, doc["_id"],
                                             ormas_use.Step(action="start_application"), None)
        username = f"ormas.{doc['_id'][:12].lower()}"
        await accounts.create_user({"_id": username, "full_name": signup["full_name"], "role": "ormas",
                                    "region": doc["region"], "ormas_id": doc["_id"], "password": password_hash,
                                    "active": True, "email": signup["email"], "created_at": doc["created_at"],
                                    "created_by": "portal"})
        return username

    return open_application


def own_editable(principal: Principal, ormas_id: str, doc: dict[str, Any] | None) -> None:
    """An ormas account changes only its own application, and only while it is being prepared."""
    if principal.role != "ormas":
        return
    if doc is None or ormas_id != principal.ormas_id:
        raise errors.NotFound("no such ormas")
    if doc["status"] not in EDITABLE:
        raise errors.Conflict(f"the application is {doc['status']}: the office has it now")
