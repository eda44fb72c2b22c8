"""The events a registry change raises, shared by the HTTP API and the daily job."""

from __future__ import annotations

import base64
from typing import Any

from services.registry.domain import lifecycle
from services.registry.domain import ormas as domain
from shared import outbox, tracing
from shared.contracts import make_event

SPECIFIC_EVENTS = {"submit": "submitted", "register": "registered", "renew": "registered",
                   "record_kemendagri_skt": "registered",
                   "warn": "sanction_applied", "suspend": "sanction_applied", "revoke_skt": "sanction_applied",
                   "dissolve": "sanction_applied", "lift_sanction": "sanction_lifted"}


def event_entry(name: str, doc: dict[str, Any], change: dict[str, Any] | None = None) -> dict[str, Any]:
    """An outbox entry for ``registry.ormas.<name>`` carrying the ormas as ``doc`` now is."""
    data = domain.snapshot(doc)
    if change is not None:
        data["change"] = change
    event = make_event(f"registry.ormas.{name}", source=domain.SOURCE, subject=f"ormas/{doc['_id']}", data=data,
                       region=doc["region"], sequence=doc["version"], traceparent=tracing.current_traceparent())
    return outbox.entry(domain.TOPIC, doc["_id"], event)


def transition_events(after: dict[str, Any], step: lifecycle.Step, outcome: lifecycle.Outcome) -> list[dict[str, Any]]:
    change = {"action": step.action, "from": outcome.from_status, "to": outcome.to_status,
              "reason": outcome.history.get("reason"), "authority": step.authority}
    events = []
    if outcome.from_status != outcome.to_status:
        events.append(event_entry("status_changed", after, change))
    specific = SPECIFIC_EVENTS.get(step.action)
    if specific == "registered":
        events.append(event_entry("registered", after, {**change, "skt_number": after["skt"]["number"],
                                                        "valid_until": after["skt"]["valid_until"]}))
    elif specific == "sanction_applied":
        events.append(event_entry("sanction_applied", after, {
            **change, "level": after["sanction"]["level"], "deadline": after["sanction"].get("deadline")}))
    elif specific:
        events.append(event_entry(specific, after, change))
    if step.action == "mark_expiring":
        events.append(event_entry("skt_expiring", after, {"days_left": step.data["days_left"],
                                                          "valid_until": after["skt"]["valid_until"]}))
    if not events:
        events.append(event_entry("updated", after, {"fields": sorted(k for k in outcome.changes if k != "status")}))
    return events


OFFICE_TOPIC = "registry.office"
ACCOUNT_TOPIC = "registry.account"


def verification_entry(signup: dict[str, Any], link: str) -> dict[str, Any]:
    """The outbox entry asking notifications to send a new organisation its verification link."""
    data = {"signup_id": signup["signup_id"], "email": signup["email"], "full_name": signup["full_name"],
            "organisation": signup["organisation"]["name"], "region": signup["organisation"]["region"], "link": link,
            "expires_at": signup["expires_at"].isoformat().replace("+00:00", "Z")}
    event = make_event("registry.account.verification_requested", source=domain.SOURCE,
                       subject=f"signup/{signup['signup_id']}", data=data, region=signup["organisation"]["region"],
                       sequence=1, traceparent=tracing.current_traceparent())
    return outbox.entry(ACCOUNT_TOPIC, signup["signup_id"], event)
OFFICE_FIELDS = ("name", "letterhead", "address", "phone", "email", "website", "head_name", "head_title", "head_nip",
                 "skt_number_format", "presence_number_format")


def office_entry(region: str, doc: dict[str, Any]) -> dict[str, Any]:
    """An outbox entry for ``registry.office.updated``: the office's settings whole, with its logo
    and its head's signature image."""
    def image(value):
        return {"media_type": value["media_type"], "sha256": value["sha256"],
                "data": base64.b64encode(bytes(value["data"])).decode()} if value else None

    data = {"region": region, "version": doc["version"], **{f: doc.get(f) for f in OFFICE_FIELDS},
            "logo": image(doc.get("logo")), "signature": image(doc.get("signature"))}
    data["letterhead"] = data["letterhead"] or []
    event = make_event("registry.office.updated", source=domain.SOURCE, subject=f"office/{region or 'nasional'}",
                       data=data, region=region or "00", sequence=doc["version"],  # "00": the national office
                       traceparent=tracing.current_traceparent())
    return outbox.entry(OFFICE_TOPIC, region or "nasional", event)
