"""Use cases of a kegiatan: record and edit a draft, choose its invitees, move it through its
lifecycle (publishing freezes the invitee list and starts the fan-out), count its completion.

Each is a plain async function taking what the caller asked for and the ports it needs; the HTTP
routes (``api/kegiatan.py``) parse and shape, and nothing here knows about HTTP. Errors are the
types of ``shared.errors`` (and the domain's own), which the one handler answers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from services.events import changes
from services.events.adapters.store import KegiatanRepository, ParticipantRepository, RegistryCopy
from services.events.domain import kegiatan as domain
from services.events.domain import targeting
from services.events.fanout import Fanout
from shared import channels, errors, regions, tracing
from shared.auth import Principal
from shared.outbox import OutboxRelay
from shared.readmodel import OfficeCopy
from shared.web import check_if_match


@dataclasses.dataclass(frozen=True)
class Ports:
    kegiatan: KegiatanRepository
    participants: ParticipantRepository
    copy: RegistryCopy
    relay: OutboxRelay
    fanout: Fanout


def _changed_meanwhile() -> errors.StaleVersion:
    return errors.StaleVersion("the kegiatan changed meanwhile; reload and retry")


async def visible(kegiatan: KegiatanRepository, principal: Principal, kegiatan_id: str) -> dict[str, Any]:
    doc = await kegiatan.get(kegiatan_id)
    if doc is None or not principal.can_see(doc["region"]):
        raise errors.NotFound("no such kegiatan")  # another region's kegiatan looks like none
    return doc


async def writable(kegiatan: KegiatanRepository, principal: Principal, kegiatan_id: str,
                   if_match: str | None) -> tuple[dict[str, Any], int]:
    """The kegiatan this office may change, and the version the change must find (If-Match)."""
    doc = await visible(kegiatan, principal, kegiatan_id)
    if not principal.can_write(doc["region"]):
        raise errors.NotFound("no such kegiatan")
    return doc, check_if_match(if_match, doc["version"], "kegiatan")


def details(body: Mapping[str, Any], region: str) -> dict[str, Any]:
    """The validated fields of a kegiatan (InvalidKegiatan names the first bad one)."""
    fields = domain.Details(
        title=body["title"], type=body["type"], region=region, venue_name=body["venue_name"],
        venue_region=body["venue_region"], starts_at=body["starts_at"], ends_at=body["ends_at"],
        seats_per_ormas=body.get("seats_per_ormas") or 1, capacity=body.get("capacity"), theme=body.get("theme"),
        venue_address=body.get("venue_address"), speakers=body.get("speakers") or [],
        agenda=body.get("agenda") or [], letter=body.get("letter")).normalised()
    domain.check_rsvp_cutoff(body.get("rsvp_cutoff"), fields["starts_at"])
    return fields


async def create(kegiatan: KegiatanRepository, offices: OfficeCopy, principal: Principal,
                 body: Mapping[str, Any]) -> dict[str, Any]:
    """A draft of the organising office (``body["region"]``, default the caller's), organised under
    the name and address the office set (the copy of ``registry.office``), or the name its region gives."""
    region = principal.region if body.get("region") is None else body["region"]
    if region and not regions.is_valid(region):
        raise errors.Invalid(f"{region!r} is not a Kemendagri region code", errors=[{"field": "region", "message": "unknown"}])
    if not principal.can_write(region):
        raise errors.OutOfScope(f"region {region} is outside your office's scope")
    fields = details(body, region)
    office = await offices.of(region)
    now = dt.datetime.now(dt.UTC)
    cutoff = body.get("rsvp_cutoff")
    doc = {"_id": str(uuid.uuid4()), "version": 1, **fields, "status": "draft",
           "rsvp_cutoff": cutoff.astimezone(dt.UTC) if cutoff else None,
           "organiser": {"name": (office or {}).get("name") or domain.organiser_name(region), "region": region or "00",
                         "address": body.get("organiser_address") or (office or {}).get("address")},
           "targeting": None, "guests": [], "invitee_list": None, "invited_count": 0, "fanout": None, "minutes": None,
           "aspirations": [], "created_by": principal.subject, "created_at": now, "updated_at": None,
           "history": [{"at": now, "by": principal.subject, "action": "created", "to": "draft"}]}
    await kegiatan.insert(doc)
    return doc


async def update(kegiatan: KegiatanRepository, principal: Principal, kegiatan_id: str, sent: Mapping[str, Any],
                 if_match: str | None) -> dict[str, Any]:
    """Edits a draft; ``sent`` holds only the fields the caller sent. Once published, times
    change only by rescheduling."""
    doc, version = await writable(kegiatan, principal, kegiatan_id, if_match)
    if doc["status"] != "draft":
        raise errors.Conflict("only a draft is edited; a published kegiatan is rescheduled or cancelled",
                              current_status=doc["status"])
    cleared = [k for k in ("title", "type", "venue_name", "venue_region", "starts_at", "ends_at", "seats_per_ormas")
               if k in sent and sent[k] is None]
    if cleared:
        raise errors.Invalid(f"{', '.join(cleared)} cannot be cleared",
                             errors=[{"field": k, "message": "cannot be null"} for k in cleared])
    merged = {"title": doc["title"], "type": doc["type"], "theme": doc.get("theme"), "venue_name": doc["venue"]["name"],
              "venue_region": doc["venue"]["region"], "venue_address": doc["venue"].get("address"),
              "starts_at": doc["starts_at"], "ends_at": doc["ends_at"], "seats_per_ormas": doc["seats_per_ormas"],
              "capacity": doc.get("capacity"), "speakers": doc.get("speakers"), "agenda": doc.get("agenda"),
              "letter": doc.get("letter"), "rsvp_cutoff": doc.get("rsvp_cutoff"), **sent}
    fields = details(merged, doc["region"])
    fields.pop("region")
    now = dt.datetime.now(dt.UTC)
    fields["rsvp_cutoff"] = merged["rsvp_cutoff"].astimezone(dt.UTC) if merged.get("rsvp_cutoff") else None
    new = await kegiatan.change(kegiatan_id, version, {**fields, "updated_at": now},
                                {"at": now, "by": principal.subject, "action": "updated", "fields": sorted(sent)}, [])
    if new is None:
        raise _changed_meanwhile()
    return new


def _rule(spec: Mapping[str, Any], office: str) -> targeting.Rule:
    rule = targeting.Rule(region=office if spec.get("region") is None else spec["region"], kinds=tuple(spec["kinds"]),
                          bidang=tuple(b.strip().lower() for b in spec["bidang"]), legal_forms=tuple(spec["legal_forms"]),
                          valid_skt_on=spec.get("valid_skt_on"), exclude_suspended=spec["exclude_suspended"])
    rule.validate(office)  # InvalidRule: 422 naming the field
    return rule


def _rule_from(stored: Mapping[str, Any]) -> targeting.Rule:
    return targeting.Rule(region=stored["region"], kinds=tuple(stored["kinds"]), bidang=tuple(stored["bidang"]),
                          legal_forms=tuple(stored["legal_forms"]),
                          valid_skt_on=dt.date.fromisoformat(stored["valid_skt_on"]) if stored.get("valid_skt_on") else None,
                          exclude_suspended=stored["exclude_suspended"])


async def resolve(copy: RegistryCopy, doc: Mapping[str, Any]) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The ormas a draft's targeting selects now (rule ∪ explicit list), with their copies."""
    t = doc.get("targeting") or {}
    chosen: dict[str, dict[str, Any]] = {}
    if t.get("rule"):
        rule = _rule_from(t["rule"])
        for c in await copy.all_within(rule.region):
            if rule.matches(c):
                chosen[c["_id"]] = c
    explicit = [i for i in t.get("ormas_ids") or [] if i not in chosen]
    if explicit:
        chosen.update(await copy.by_ids(explicit))
    return sorted(chosen), chosen


@dataclasses.dataclass(frozen=True)
class Invitees:
    ids: list[str]
    copies: dict[str, dict[str, Any]]
    guests: int
    frozen: bool
    channels: dict[str, int] | None = None  # letters by channel (None: a frozen list too long to read here)


def _found(ids: list[str], copies: dict[str, dict[str, Any]], guests: list[dict[str, Any]], frozen: bool) -> Invitees:
    complete = all(i in copies for i in ids)
    tally = channels.tally([*(copies[i] for i in ids), *guests]) if complete else None
    return Invitees(ids, copies, len(guests), frozen, tally)


async def _targeting(copy: RegistryCopy, doc: Mapping[str, Any], rule: Mapping[str, Any] | None,
                     ormas_ids: Sequence[str]) -> dict[str, Any]:
    """A draft's targeting as stored, checked: a rule (its region defaults to the organiser's) and
    an explicit list of ormas known to the registry within the organiser's region."""
    if doc["status"] != "draft":
        raise errors.Conflict("the invitee list is frozen at publish; add invitees with POST", current_status=doc["status"])
    checked = _rule(rule, doc["region"]) if rule is not None else None
    explicit = sorted(set(ormas_ids))
    known = await copy.by_ids(explicit)
    unknown = [i for i in explicit if i not in known]
    if unknown:
        raise errors.Invalid(f"{len(unknown)} ormas are not in the registry: {', '.join(unknown[:5])}",
                             errors=[{"field": "ormas_ids", "message": f"unknown ormas {i}"} for i in unknown[:20]])
    outside = [i for i in explicit if not regions.within(doc["region"], known[i].get("region") or "-")]
    if outside:
        raise errors.Invalid(f"{len(outside)} ormas are outside the organising office's region",
                             errors=[{"field": "ormas_ids", "message": f"outside the region: {i}"} for i in outside[:20]])
    stored = None
    if checked:
        stored = {"region": checked.region, "kinds": list(checked.kinds), "bidang": list(checked.bidang),
                  "legal_forms": list(checked.legal_forms), "exclude_suspended": checked.exclude_suspended,
                  "valid_skt_on": checked.valid_skt_on.isoformat() if checked.valid_skt_on else None}
    return {"rule": stored, "ormas_ids": explicit}


async def set_invitees(kegiatan: KegiatanRepository, copy: RegistryCopy, principal: Principal, kegiatan_id: str, *,
                       rule: Mapping[str, Any] | None, ormas_ids: Sequence[str], guests: list[dict[str, Any]],
                       if_match: str | None) -> tuple[dict[str, Any], Invitees]:
    """A draft's targeting: a rule, an explicit list and guests; resolved again at publish."""
    doc, version = await writable(kegiatan, principal, kegiatan_id, if_match)
    targeting_ = await _targeting(copy, doc, rule, ormas_ids)
    guests = [{"id": uuid.uuid4().hex[:12], **g} for g in guests]
    now = dt.datetime.now(dt.UTC)
    new = await kegiatan.change(
        kegiatan_id, version, {"targeting": targeting_, "guests": guests, "updated_at": now},
        {"at": now, "by": principal.subject, "action": "invitees_set", "explicit": len(targeting_["ormas_ids"]),
         "guests": len(guests), "rule": targeting_["rule"]}, [])
    if new is None:
        raise _changed_meanwhile()
    ids, copies = await resolve(copy, new)
    return new, _found(ids, copies, guests, False)


async def preview_invitees(kegiatan: KegiatanRepository, copy: RegistryCopy, principal: Principal, kegiatan_id: str, *,
                           rule: Mapping[str, Any] | None, ormas_ids: Sequence[str],
                           guests: list[dict[str, Any]]) -> Invitees:
    """Whom a targeting would invite now, nothing written: the live count of the rule builder."""
    doc, _ = await writable(kegiatan, principal, kegiatan_id, None)
    ids, copies = await resolve(copy, {"targeting": await _targeting(copy, doc, rule, ormas_ids)})
    return _found(ids, copies, list(guests), False)


async def invitees(kegiatan: KegiatanRepository, copy: RegistryCopy, principal: Principal,
                   kegiatan_id: str) -> Invitees:
    """A draft's targeting resolved now, or the list frozen at publish."""
    doc = await visible(kegiatan, principal, kegiatan_id)
    guests = doc.get("guests") or []
    if doc["status"] == "draft":
        ids, copies = await resolve(copy, doc)
        return _found(ids, copies, guests, False)
    ids = await kegiatan.invitees(doc)
    copies = await copy.by_ids(ids[:2000]) if len(ids) <= 2000 else {}
    return _found(ids, copies, guests, True)


async def add_invitees(ports: Ports, principal: Principal, kegiatan_id: str, *, ormas_ids: Sequence[str],
                       guests: list[dict[str, Any]], if_match: str | None) -> dict[str, Any]:
    """After publish: explicit additions (ormas or guests) to the frozen list; each is invited by
    a new fan-out run, which also carries a run still pending (``domain.next_fanout``)."""
    doc, version = await writable(ports.kegiatan, principal, kegiatan_id, if_match)
    if doc["status"] not in ("published", "rescheduled", "ongoing"):
        raise errors.Conflict("invitees are added to a published kegiatan (set a draft's with PUT)",
                              current_status=doc["status"])
    have = await ports.kegiatan.invitees(doc)
    new_ids = sorted(set(ormas_ids) - set(have))
    known = await ports.copy.by_ids(new_ids)
    unknown = [i for i in new_ids if i not in known or not regions.within(doc["region"], known[i].get("region") or "-")]
    if unknown:
        raise errors.Invalid(f"{len(unknown)} ormas are not in the registry of this region: {', '.join(unknown[:5])}",
                             errors=[{"field": "ormas_ids", "message": f"unknown ormas {i}"} for i in unknown[:20]])
    guests = [{"id": uuid.uuid4().hex[:12], **g} for g in guests]
    if not new_ids and not guests:
        return doc
    now = dt.datetime.now(dt.UTC)
    run = uuid.uuid4().hex
    list_id = await ports.kegiatan.save_invitees(kegiatan_id, run, [*have, *new_ids])
    new = await ports.kegiatan.change(
        kegiatan_id, version, {"updated_at": now, "fanout": {**domain.next_fanout(doc.get("fanout"), run=run,
                                                                                   by=principal.subject),
                                                                 "traceparent": tracing.current_traceparent()},
                               "invitee_list": list_id, "invited_count": doc["invited_count"] + len(new_ids) + len(guests)},
        {"at": now, "by": principal.subject, "action": "invitees_added", "ormas": len(new_ids), "guests": len(guests)},
        [], extra={"$push": {"guests": {"$each": guests}}})
    if new is None:
        raise _changed_meanwhile()
    ports.fanout.kick(kegiatan_id)
    return new


EVENT_OF = {"publish": "published", "reschedule": "rescheduled", "start": "started", "cancel": "cancelled",
            "complete": "completed", "record": "started"}


async def transition(ports: Ports, principal: Principal, kegiatan_id: str, action: str, *, reason: str | None,
                     starts_at: dt.datetime | None, ends_at: dt.datetime | None,
                     if_match: str | None) -> dict[str, Any]:
    """publish (freezes the invitee list and invites everyone on it), reschedule, start, complete,
    cancel: the step and its event in one write of the kegiatan; the relay publishes the event,
    and a publish kicks the fan-out (``services/events/fanout.py``)."""
    doc, version = await writable(ports.kegiatan, principal, kegiatan_id, if_match)
    now = dt.datetime.now(dt.UTC)
    invited: list[str] = []
    if action in ("publish", "record") and doc["status"] == "draft":
        invited, _ = await resolve(ports.copy, doc)
    if action == "reschedule" and (starts_at is None) != (ends_at is None):
        raise errors.Invalid("rescheduling needs both the new start and end",
                             errors=[{"field": "ends_at" if ends_at is None else "starts_at", "message": "required"}])
    new_times = (starts_at, ends_at) if starts_at and ends_at else None
    try:
        if action == "start":
            domain.check_start(doc, now)
        if action == "reschedule" and new_times and new_times[1] - new_times[0] > dt.timedelta(days=31):
            raise domain.InvalidKegiatan("ends_at", "a kegiatan lasts at most 31 days")
        set_fields, history = domain.step(doc, action, actor=principal.subject, at=now, reason=reason,
                                          invitees=len(invited) + len(doc.get("guests") or []), new_times=new_times)
    except domain.IllegalStep as e:  # with what the caller may do instead
        e.extra["allowed_actions"] = domain.allowed(doc, now)
        raise
    set_fields = {**set_fields, "updated_at": now}
    change: dict[str, Any] | None = None
    if action in ("publish", "record"):
        run = uuid.uuid4().hex
        # the frozen list lives apart, so that reading the kegiatan stays cheap at 10,000 invitees;
        # it counts only once the kegiatan names it, in the same write that publishes
        set_fields["invitee_list"] = await ports.kegiatan.save_invitees(kegiatan_id, run, invited)
        set_fields["invited_count"] = len(invited) + len(doc.get("guests") or [])
        # the publish request's trace: the fan-out and every invitation it sends carry it on
        set_fields["fanout"] = {"state": "pending", "run": run, "by": principal.subject,
                                "traceparent": tracing.current_traceparent()}
        change = {"invited": set_fields["invited_count"]} if action == "publish" else {"recorded": True}
    elif action == "reschedule":
        if doc.get("rsvp_cutoff") and doc["rsvp_cutoff"] > set_fields["starts_at"]:
            set_fields["rsvp_cutoff"] = None
        change = {"reason": history["reason"], "previous_starts_at": domain._iso(doc["starts_at"]),
                  "previous_ends_at": domain._iso(doc["ends_at"])}
    elif action == "cancel":
        change = {"reason": history["reason"]}
    elif action == "complete":
        change = await completion_counts(ports.participants, doc)
    after = {**doc, **set_fields, "version": version + 1}
    new = await ports.kegiatan.change(kegiatan_id, version, set_fields, history,
                                      [changes.kegiatan_event(EVENT_OF[action], after, change)])
    if new is None:
        raise _changed_meanwhile()
    ports.relay.wake("kegiatan", kegiatan_id)
    if action in ("publish", "record"):
        ports.fanout.kick(kegiatan_id)
    return new


async def completion_counts(participants: ParticipantRepository, doc: Mapping[str, Any]) -> dict[str, Any]:
    """What a completed kegiatan's event says happened: invited, answers, check-ins, people present."""
    ps = await participants.of(doc["_id"], {"kind": 1, "status": 1, "attending": 1, "attendance": 1})
    invited = [p for p in ps if p["kind"] != "walk_in"]
    return {
        "invited": len(invited),
        "attending": sum(1 for p in invited if p.get("attending") is True),
        "declined": sum(1 for p in invited if p.get("attending") is False),
        "checked_in": sum(1 for p in invited if p["status"] == "checked_in"),
        "walk_ins": sum(1 for p in ps if p["kind"] == "walk_in"),
        "people_present": sum(max((a.get("people", 1) for a in (p.get("attendance") or {}).values()), default=0) for p in ps),
        "aspirations": len(doc.get("aspirations") or []),
        "has_minutes": bool(doc.get("minutes")),
    }
