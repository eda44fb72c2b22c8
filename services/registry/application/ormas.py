"""Use cases of an ormas: record it, change its details and its board, move it through its
lifecycle. Plain async functions taking what the caller asked for and the ports they need; the
HTTP routes (``api/ormas.py``) parse and shape, imports (``api/imports.py``) reuse the helpers.

Every write and its events are one document write (the ``_outbox`` of ``shared/outbox.py``);
:func:`written` then shows the record to this replica's search at once and wakes the relay."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from rapidfuzz import fuzz, process

from services.registry.adapters.accounts import Accounts
from services.registry.adapters.repository import DuplicateOrmas, IdTaken, OrmasRepository
from services.registry.changes import event_entry, transition_events
from services.registry.domain import lifecycle, numbering
from services.registry.domain import officers as board_rules
from services.registry.domain import ormas as domain
from services.registry.domain.policy import ACTION_ROLES
from services.registry.domain.search import Row, SearchIndex, row_from_snapshot
from shared import errors, failpoints
from shared.auth import Forbidden, Principal, check_region
from shared.outbox import OutboxRelay
from shared.web import check_if_match

IDEMPOTENCY_NAMESPACE = uuid.UUID("5d0c1f7e-2b7a-4f43-8f3e-1b1d3c0a9e11")
NEAR_MATCH = 0.85


@dataclasses.dataclass(frozen=True)
class Ports:
    ormas: OrmasRepository
    search: SearchIndex
    relay: OutboxRelay


@dataclasses.dataclass(frozen=True)
class NearMatch:
    id: str
    name: str
    acronym: str | None
    similarity: float


async def visible(ormas: OrmasRepository, principal: Principal, ormas_id: str) -> dict[str, Any]:
    doc = await ormas.get(ormas_id)
    if doc is None or not principal.can_see(doc["region"]):
        raise errors.NotFound("no such ormas")  # another region's record is indistinguishable from none
    return doc


async def writable(ormas: OrmasRepository, principal: Principal, ormas_id: str, if_match: str | None, *,
                   admin_in_scope: bool = False) -> tuple[dict[str, Any], int]:
    """The ormas this office may change (404 otherwise) and the version the change must find
    (412 when If-Match names another). ``admin_in_scope``: an admin acts on any ormas it sees."""
    doc = await visible(ormas, principal, ormas_id)
    if not _may_change(principal, doc, admin_in_scope=admin_in_scope):
        raise errors.NotFound("no such ormas")
    return doc, check_if_match(if_match, doc["version"], "ormas")


def _may_change(principal: Principal, doc: Mapping[str, Any], *, admin_in_scope: bool) -> bool:
    return principal.can_write(doc["region"]) or (admin_in_scope and principal.role == "admin")


def worklist(search: SearchIndex, principal: Principal, region: str | None, today: dt.date) -> dict[str, list[Row]]:
    """What waits on the office today (the web application's home), from the search index."""
    scope = principal.region if region is None else check_region(principal, region)
    return search.worklist(scope, today.isoformat())


def actions_for(principal: Principal, doc: Mapping[str, Any], skt_issuer: str | None = None) -> list[str]:
    """The lifecycle actions possible now that this caller may take (what a page offers as buttons):
    the rule :func:`transition` applies, asked of every allowed action. An office whose SKT come
    from Kemendagri is offered to forward, never to register; one issuing its own, the reverse."""
    if not _may_change(principal, doc, admin_in_scope=True):
        return []
    hidden = "register" if skt_issuer == "kemendagri" else "forward"
    return [a for a in lifecycle.allowed_actions(doc) if principal.role in ACTION_ROLES[a] and a != hidden]


async def skt_issuer(accounts: Accounts, principal: Principal) -> str | None:
    """Who issues the SKT of the caller's office (its setting; the office itself by default)."""
    return (await accounts.office(principal.region) or {}).get("skt_issuer")


def duplicates(fields: Mapping[str, Any], others: Sequence[Row]) -> list[NearMatch]:
    """409 when another ormas has the same name or acronym; else the near matches, which only warn.

    The unique index on (region, name_key) is the guarantee for names; acronyms and near matches
    come from the search index, which another replica's write reaches within the topic's lag.

    A near match is difflib's ratio ≥ NEAR_MATCH. RapidFuzz's Indel ratio (2·LCS/total) is never
    below difflib's (whose matching blocks are one common subsequence), so it picks the candidates
    in C over the whole region first (a region holds up to thousands of names, and difflib over
    each cost 11 ms a create at 1,500) and difflib judges only those."""
    key, acronym = fields["name_key"], fields["acronym_key"]
    for o in others:
        if o.name_key == key or (acronym and o.acronym_key == acronym):
            raise errors.Duplicate("an ormas with this name or acronym is already recorded in this region",
                                   existing_id=o.id, existing_name=o.name)
    candidates = process.extract(key, [o.name_key for o in others], scorer=fuzz.ratio, limit=None,
                                 score_cutoff=NEAR_MATCH * 100 - 1e-6)
    near: list[NearMatch] = []
    matcher = difflib.SequenceMatcher(None)
    matcher.set_seq2(key)  # the matcher caches what it learns about seq2
    for i in sorted(c[2] for c in candidates):  # the book's order, as ties are broken below
        o = others[i]
        matcher.set_seq1(o.name_key)
        score = matcher.ratio()
        if score >= NEAR_MATCH:
            near.append(NearMatch(id=o.id, name=o.name, acronym=o.acronym, similarity=round(score, 2)))
    return sorted(near, key=lambda c: -c.similarity)[:5]


def written(ports: Ports, doc: dict[str, Any], events: list[dict[str, Any]] | None = None) -> None:
    """After a write: this replica's search sees it at once (others learn it from the topic), and
    the relay publishes its events now (``events``: a new document's whole outbox, sent unread)."""
    ports.search.upsert(row_from_snapshot(domain.snapshot(doc)))
    ports.relay.wake("ormas", doc["_id"], events)


@dataclasses.dataclass(frozen=True)
class Created:
    doc: dict[str, Any]
    near: list[NearMatch]
    replayed: bool = False


async def create(ports: Ports, principal: Principal, body: Mapping[str, Any], *, fingerprint: str,
                 idempotency_key: str | None) -> Created:
    """Records an ormas with its ``created`` event. A retry with the same Idempotency-Key and the
    same request (``fingerprint``) answers the first record (``replayed``); another is refused."""
    details = domain.Details(**{k: v for k, v in body.items() if v is not None})
    now = dt.datetime.now(dt.UTC)
    fields = details.normalised(now.date())
    if not principal.can_write(details.region):
        raise errors.OutOfScope(f"region {details.region} is outside your office's scope")
    if idempotency_key:
        ormas_id = str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{principal.subject}|{idempotency_key}"))
        existing = await ports.ormas.get(ormas_id)
        if existing is not None:
            return _replay(existing, fingerprint)
    else:
        ormas_id = str(uuid.uuid4())
    near = duplicates(fields, ports.search.same_region(details.region))
    doc = domain.create(details, ormas_id=ormas_id, actor=principal.subject, now=now)
    doc["idempotency"] = {"key": idempotency_key, "fingerprint": fingerprint} if idempotency_key else None
    try:
        await ports.ormas.insert(doc, [event_entry("created", doc)])
    except IdTaken as e:
        return _replay(e.existing, fingerprint)
    except DuplicateOrmas as e:
        raise errors.Duplicate(str(e), existing_id=e.existing_id) from None
    failpoints.hit("registry.after_write")
    written(ports, doc)
    return Created(doc, near)


def _replay(existing: dict[str, Any], fingerprint: str) -> Created:
    if (existing.get("idempotency") or {}).get("fingerprint") != fingerprint:
        raise errors.Invalid("this Idempotency-Key was used for a different request",
                             errors=[{"field": "Idempotency-Key", "message": "reused with another body"}])
    return Created(existing, [], replayed=True)


async def update(ports: Ports, principal: Principal, ormas_id: str, sent: Mapping[str, Any],
                 if_match: str | None) -> dict[str, Any]:
    """Changes the details sent (``None`` clears an optional one), with ``updated`` and, when a
    contact changed, ``contacts_changed``."""
    doc, version = await writable(ports.ormas, principal, ormas_id, if_match)
    cleared = [k for k in ("name", "kind", "legal_form", "scope") if k in sent and sent[k] is None]
    if cleared:
        raise errors.Invalid(f"{', '.join(cleared)} cannot be cleared",
                             errors=[{"field": k, "message": "cannot be null"} for k in cleared])
    merged = {k: doc.get(k) for k in domain.DETAIL_FIELDS}
    merged.update(sent)
    if "founding_date" in merged and isinstance(merged["founding_date"], str):
        merged["founding_date"] = dt.date.fromisoformat(merged["founding_date"])
    merged["presence_letters"] = [
        {**p, "issued_on": dt.date.fromisoformat(p["issued_on"]) if isinstance(p.get("issued_on"), str) else p.get("issued_on")}
        for p in merged.get("presence_letters") or []]
    if (merged.get("legal_form") in domain.LEGAL_ENTITY_FORMS) != (doc.get("legal_form") in domain.LEGAL_ENTITY_FORMS):
        raise errors.Invalid("the legal form changes through the lifecycle, not by editing",
                             errors=[{"field": "legal_form", "message": "cannot switch between legal entity and not"}])
    fields = domain.Details(region=doc["region"], **{k: v for k, v in merged.items() if v is not None}) \
        .normalised(dt.date.today())
    fields.pop("region")
    changed = domain.changed_fields(doc, fields)
    if not changed:
        return doc
    if "name" in changed or "acronym" in changed:
        duplicates(fields, ports.search.same_region(doc["region"], exclude=ormas_id))
    now = dt.datetime.now(dt.UTC)
    after = {**doc, **fields, "version": version + 1, "updated_at": now}
    events = [event_entry("updated", after, {"fields": changed})]
    contacts = [f for f in changed if f in domain.CONTACT_FIELDS]
    if contacts:
        events.append(event_entry("contacts_changed", after, {"fields": contacts}))
    history = {"at": now, "by": principal.subject, "action": "updated", "fields": changed}
    try:
        new = await ports.ormas.change(ormas_id, version, {**fields, "updated_at": now}, history, events)
    except DuplicateOrmas:
        raise errors.Duplicate("an ormas with this name is already recorded in this region") from None
    if new is None:
        raise errors.StaleVersion("the ormas changed while this update was made; reload and retry")
    written(ports, new)
    return new


@dataclasses.dataclass(frozen=True)
class Step:
    """One lifecycle step as the caller asked for it (``data`` per action: documents, visit …)."""

    action: str
    reason: str | None = None
    authority: str | None = None
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)


async def transition(ports: Ports, accounts: Accounts, default_skt_format: str, principal: Principal,
                     ormas_id: str, step: Step, if_match: str | None) -> dict[str, Any]:
    """Moves the ormas one step through its lifecycle; registering or renewing draws the next SKT
    number of the office in the office's format. A step not possible now is 409 with what is."""
    if principal.role not in ACTION_ROLES[step.action]:
        raise Forbidden(f"role {principal.role!r} may not {step.action}")
    doc, version = await writable(ports.ormas, principal, ormas_id, if_match, admin_in_scope=True)
    now = dt.datetime.now(dt.UTC)
    move = lifecycle.Step(action=step.action, actor=principal.subject, at=now, reason=step.reason,
                          authority=step.authority, data=dict(step.data))
    skt_number = None
    try:
        if step.action == "record_kemendagri_skt":  # the office's own letter takes its next number
            lifecycle.apply(doc, move)  # refuse before drawing a number
            office = await accounts.office(principal.region)
            seq = await ports.ormas.next_skt_sequence(principal.region, now.year, series="skk")
            move = dataclasses.replace(move, data={**move.data, "presence_number": numbering.number(
                (office or {}).get("presence_number_format") or numbering.PRESENCE_FORMAT, seq=seq,
                office=principal.region or "nasional", year=now.year, region=doc["region"])})
        if step.action in ("register", "renew"):
            lifecycle.apply(doc, move, skt_number="-")  # refuse before drawing a number
            office = await accounts.office(principal.region)
            if (office or {}).get("skt_issuer") == "kemendagri" and step.action == "register":
                raise errors.Conflict("this office forwards applications to Kemendagri (Permendagri 57/2017): "
                                      "forward it, then record the SKT Kemendagri issued",
                                      allowed_actions=lifecycle.allowed_actions(doc))
            seq = await ports.ormas.next_skt_sequence(principal.region, now.year)
            skt_number = numbering.number((office or {}).get("skt_number_format") or default_skt_format,
                                          seq=seq, office=principal.region or "nasional", year=now.year,
                                          region=doc["region"])
        outcome = lifecycle.apply(doc, move, skt_number=skt_number)
    except lifecycle.IllegalTransition as e:  # with what the caller may do instead
        e.extra["allowed_actions"] = lifecycle.allowed_actions(doc)
        raise
    after = {**doc, **outcome.changes, "version": version + 1, "updated_at": now}
    events = transition_events(after, move, outcome)
    new = await ports.ormas.change(ormas_id, version, {**outcome.changes, "updated_at": now}, outcome.history, events)
    if new is None:
        raise errors.StaleVersion("the ormas changed while this step was taken; reload and retry")
    written(ports, new)
    return new


async def replace_board(ports: Ports, principal: Principal, ormas_id: str, officers: Sequence[Mapping[str, Any]],
                        reason: str | None, if_match: str | None) -> dict[str, Any]:
    """Records a new board. The previous one is kept in the record's board history; the event
    names the officers by name and position only."""
    doc, version = await writable(ports.ormas, principal, ormas_id, if_match)
    now = dt.datetime.now(dt.UTC)
    board = board_rules.board([board_rules.Officer(**o) for o in officers], now.date())
    previous = doc.get("officers") or []
    fields: dict[str, Any] = {"officers": board, "updated_at": now}
    if previous:
        fields["board_history"] = [*(doc.get("board_history") or []),
                                   {"officers": previous, "until": now, "replaced_by": principal.subject}]
    after = {**doc, **fields, "version": version + 1}
    history = {"at": now, "by": principal.subject, "action": "officers_changed", "reason": reason,
               "positions": [o["position"] for o in board]}
    new = await ports.ormas.change(ormas_id, version, fields, history,
                                   [event_entry("officers_changed", after, {"fields": ["officers"]})])
    if new is None:
        raise errors.StaleVersion("the ormas changed while the board was recorded; reload and retry")
    written(ports, new)
    return new
