"""The lifecycle of an ormas record as an explicit state machine. No I/O.

Three strands share one ``status``:

- **Application** (Permendagri 57/2017): draft → submitted → in_verification (document check, then
  the joint team's field visit) → registered (SKT issued, valid five years) | revision_requested |
  rejected.
- **Validity**: registered → expiring (90/30/7 days before, raised by a daily job) → expired →
  renewed (registered again with a new validity).
- **Sanctions** (UU 16/2017 art. 61-82): written warning (deadline of seven working days) →
  activity suspension → SKT revoked; for a legal entity the last step is the revocation of its
  legal-entity status, which dissolves it. Each step names the authority that issued it; a step can
  be lifted, which restores the status it interrupted.

Registration is optional by law (MK 82/PUU-XI/2013): ``unregistered`` is a valid, permanent state.
A legal entity (perkumpulan or yayasan with a Kemenkumham decree) needs no SKT: ``legal_entity``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from lokal import holidays

from shared.errors import FieldError, TransitionNotAllowed

STATUSES = ("unregistered", "legal_entity", "draft", "submitted", "in_verification", "revision_requested",
            "rejected", "registered", "expiring", "expired", "suspended", "revoked", "dissolved")
SKT_VALID_YEARS = 5
WARNING_WORKING_DAYS = 7
EXPIRY_NOTICE_DAYS = (90, 30, 7)
AUTHORITIES = ("bupati_walikota", "gubernur", "mendagri", "menkumham", "pengadilan")
FIELD_VISIT_OUTCOMES = ("sesuai", "tidak_sesuai")
MAX_WARNINGS = 3
ACTIVE = ("registered", "expiring", "legal_entity", "unregistered")  # states a sanction can interrupt


class IllegalTransition(TransitionNotAllowed):
    def __init__(self, action: str, status: str, allowed: list[str]):
        super().__init__(f"{action!r} is not allowed while the ormas is {status!r}", current_status=status,
                         allowed_next_states=allowed)
        self.action = action
        self.current_status = status  # not .status: that is the HTTP status of the problem
        self.allowed = allowed


class InvalidTransition(FieldError):
    """The transition is allowed but its data is not (a missing reason, an unknown authority …)."""


@dataclasses.dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str | None  # None: decided by the transition itself (lift restores the interrupted status)
    needs_reason: bool = False
    needs_authority: bool = False


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("start_application", ("unregistered",), "draft"),
    Transition("submit", ("draft", "revision_requested"), "submitted"),
    Transition("start_verification", ("submitted",), "in_verification"),
    Transition("check_documents", ("in_verification",), "in_verification"),
    Transition("record_field_visit", ("in_verification",), "in_verification"),
    Transition("request_revision", ("submitted", "in_verification"), "revision_requested", needs_reason=True),
    Transition("reject", ("submitted", "in_verification"), "rejected", needs_reason=True),
    Transition("register", ("in_verification",), "registered"),
    # Permendagri 57/2017: for an ormas without legal entity the Minister issues the SKT; the office
    # verifies, forwards the application with its recommendation, then records what Kemendagri issued
    Transition("forward", ("in_verification",), "in_verification", needs_reason=True),
    Transition("record_kemendagri_skt", ("in_verification",), "registered"),
    Transition("mark_expiring", ("registered", "expiring"), "expiring"),
    Transition("expire", ("registered", "expiring"), "expired"),
    Transition("renew", ("expiring", "expired"), "registered"),
    Transition("warn", ACTIVE, None, needs_reason=True, needs_authority=True),
    Transition("suspend", ACTIVE, "suspended", needs_reason=True, needs_authority=True),
    Transition("revoke_skt", ("suspended",), "revoked", needs_reason=True, needs_authority=True),
    Transition("dissolve", ("suspended",), "dissolved", needs_reason=True, needs_authority=True),
    Transition("lift_sanction", ("suspended", "registered", "expiring", "legal_entity", "unregistered"), None,
               needs_reason=True, needs_authority=True),
)}


def allowed_actions(record: Mapping[str, Any]) -> list[str]:
    """The actions possible from this record's state (what a 409 answer lists)."""
    return [a for a in TRANSITIONS if _possible(a, record)]


def _possible(action: str, record: Mapping[str, Any]) -> bool:
    t = TRANSITIONS[action]
    status = record["status"]
    if status not in t.sources:
        return False
    legal = record.get("legal_form") in ("perkumpulan", "yayasan")
    sanction = record.get("sanction") or {}
    if action == "start_application":
        return not legal  # a legal entity needs no SKT
    if action == "register":
        v = record.get("verification") or {}
        return bool(v.get("documents_complete")) and v.get("field_visit", {}).get("outcome") == "sesuai"
    if action == "record_field_visit":
        return bool((record.get("verification") or {}).get("documents_complete"))
    if action == "forward":
        v = record.get("verification") or {}
        return (not legal and bool(v.get("documents_complete")) and v.get("field_visit", {}).get("outcome") == "sesuai"
                and not v.get("forwarded"))
    if action == "record_kemendagri_skt":
        return bool((record.get("verification") or {}).get("forwarded"))
    if action == "warn":  # UU 16/2017 art. 62: at most three written warnings before suspension
        return sanction.get("level") in (None, "warning") and sanction.get("warnings", 0) < MAX_WARNINGS
    if action == "suspend":
        return sanction.get("level") == "warning"  # a written warning first
    if action == "revoke_skt":
        return not legal and record.get("skt") is not None
    if action == "dissolve":
        return legal
    if action == "lift_sanction":
        return sanction.get("level") is not None
    return True


def next_states(record: Mapping[str, Any]) -> list[str]:
    """The statuses reachable in one step, for error answers and the UI."""
    out: list[str] = []
    for a in allowed_actions(record):
        target = TRANSITIONS[a].target
        if target is None:
            target = (record.get("sanction") or {}).get("resume_status", record["status"]) if a == "lift_sanction" \
                else record["status"]
        if target not in out:
            out.append(target)
    return out


@dataclasses.dataclass(frozen=True)
class Step:
    """What a caller asks for: an action with its data, by whom and when."""

    action: str
    actor: str
    at: dt.datetime
    reason: str | None = None
    authority: str | None = None
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """The fields to set on the record, the history entry, and what changed."""

    changes: dict[str, Any]
    history: dict[str, Any]
    from_status: str
    to_status: str


def apply(record: Mapping[str, Any], step: Step, *, skt_number: str | None = None) -> Outcome:
    """Applies one step to a record, or raises IllegalTransition / InvalidTransition.

    ``skt_number`` is needed by ``register`` and ``renew`` (the caller draws it from the office's
    sequence, so that this function stays pure)."""
    t = TRANSITIONS.get(step.action)
    if t is None:
        raise InvalidTransition("action", f"unknown action {step.action!r}; one of {', '.join(TRANSITIONS)}")
    if not _possible(step.action, record):
        raise IllegalTransition(step.action, record["status"], next_states(record))
    reason = (step.reason or "").strip() or None
    if t.needs_reason and not reason:
        raise InvalidTransition("reason", f"{step.action} needs a reason")
    if t.needs_authority and step.authority not in AUTHORITIES:
        raise InvalidTransition("authority", f"must be one of {', '.join(AUTHORITIES)}")

    status = record["status"]
    changes: dict[str, Any] = {}
    target = t.target or status
    today = step.at.date()

    if step.action == "check_documents":
        complete = bool(step.data.get("complete"))
        missing = list(step.data.get("missing") or [])
        if complete and missing:
            raise InvalidTransition("missing", "complete documents cannot have missing items")
        changes["verification"] = {**(record.get("verification") or {}), "documents_complete": complete,
                                   "documents_missing": missing, "documents_checked_at": step.at}
    elif step.action == "record_field_visit":
        outcome = step.data.get("outcome")
        if outcome not in FIELD_VISIT_OUTCOMES:
            raise InvalidTransition("outcome", f"must be one of {', '.join(FIELD_VISIT_OUTCOMES)}")
        visited = step.data.get("visited_on")
        if not isinstance(visited, dt.date) or visited > today:
            raise InvalidTransition("visited_on", "must be a date, not in the future")
        changes["verification"] = {**(record.get("verification") or {}),
                                   "field_visit": {"outcome": outcome, "visited_on": visited.isoformat(),
                                                   "notes": step.data.get("notes")}}
    elif step.action in ("register", "renew"):
        if not skt_number:
            raise InvalidTransition("skt_number", "an SKT number must be drawn before registering")
        issued = today
        changes["skt"] = {"number": skt_number, "issued_on": issued.isoformat(),
                          "valid_until": add_years(issued, SKT_VALID_YEARS).isoformat()}
        changes["expiry_notices"] = []
    elif step.action == "forward":
        changes["verification"] = {**(record.get("verification") or {}),
                                   "forwarded": {"at": step.at, "by": step.actor, "recommendation": reason}}
    elif step.action == "record_kemendagri_skt":
        number = (step.data.get("skt_number") or "").strip()
        issued, until = step.data.get("issued_on"), step.data.get("valid_until")
        if not number:
            raise InvalidTransition("skt_number", "the SKT number Kemendagri issued")
        if not isinstance(issued, dt.date) or issued > today:
            raise InvalidTransition("skt_issued_on", "the day Kemendagri issued it, not in the future")
        if not isinstance(until, dt.date) or until <= issued:
            raise InvalidTransition("skt_valid_until", "after the day it was issued")
        changes["skt"] = {"number": number, "issued_on": issued.isoformat(), "valid_until": until.isoformat(),
                          "issuer": "kemendagri", "presence_number": step.data.get("presence_number"),
                          "presence_issued_on": today.isoformat()}
        changes["expiry_notices"] = []
    elif step.action == "mark_expiring":
        days = step.data.get("days_left")
        if days not in EXPIRY_NOTICE_DAYS:
            raise InvalidTransition("days_left", f"must be one of {EXPIRY_NOTICE_DAYS}")
        notices = list(record.get("expiry_notices") or [])
        if days in notices:
            raise IllegalTransition(step.action, status, next_states(record))
        # a record found late (5 days left, nothing sent) gets the 7-day notice only, never 30 after it
        changes["expiry_notices"] = sorted(set(notices) | {d for d in EXPIRY_NOTICE_DAYS if d >= days}, reverse=True)
    elif step.action == "warn":
        previous = (record.get("sanction") or {})
        count = previous.get("warnings", 0) + 1
        changes["sanction"] = {"level": "warning", "warnings": count, "authority": step.authority,
                               "deadline": holidays.add_working_days(today, WARNING_WORKING_DAYS).isoformat(),
                               "since": step.at, "resume_status": previous.get("resume_status", status)}
    elif step.action == "suspend":
        changes["sanction"] = {**record["sanction"], "level": "suspended", "authority": step.authority,
                               "since": step.at, "resume_status": record["sanction"].get("resume_status", status)}
    elif step.action in ("revoke_skt", "dissolve"):
        changes["sanction"] = {**record["sanction"], "level": "final", "authority": step.authority, "since": step.at}
    elif step.action == "lift_sanction":
        target = record["sanction"].get("resume_status", status)
        changes["sanction"] = None

    changes["status"] = target
    history = {"at": step.at, "by": step.actor, "action": step.action, "from": status, "to": target}
    if reason:
        history["reason"] = reason
    if step.authority:
        history["authority"] = step.authority
    return Outcome(changes=changes, history=history, from_status=status, to_status=target)


def add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def expiry_due(record: Mapping[str, Any], today: dt.date) -> tuple[str, int | None] | None:
    """What the daily job must do to a record today: ("expire", None), ("mark_expiring", days) or None."""
    skt = record.get("skt")
    if record.get("status") not in ("registered", "expiring") or not skt:
        return None
    valid_until = dt.date.fromisoformat(skt["valid_until"])
    left = (valid_until - today).days
    if left < 0:
        return "expire", None
    sent = set(record.get("expiry_notices") or [])
    due = [d for d in EXPIRY_NOTICE_DAYS if left <= d and d not in sent]
    return ("mark_expiring", min(due)) if due else None
