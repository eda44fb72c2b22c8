"""Use cases of a report: receive it (from the team, office staff or the public), move it through
its workflow, assign it, record follow-up actions, escalate it, and remind about it when it stays
unverified. Each change and its events are one write of the report; the relay publishes them.

Who sees the reporter: the office's verifiers and head only (``can_see_reporter``)."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from services.earlywarning import changes
from services.earlywarning.adapters.store import KegiatanCopy, RegistryCopy, Reports, Team
from services.earlywarning.domain import reports as domain
from shared import errors
from shared.auth import Principal
from shared.outbox import OutboxRelay
from shared.web import check_if_match

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 2 * 1024 * 1024
PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
REPORTER_ROLES = ("verifier", "head")


@dataclasses.dataclass(frozen=True)
class Ports:
    reports: Reports
    team: Team
    copy: RegistryCopy
    kegiatan: KegiatanCopy
    relay: OutboxRelay
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    web_url: str = ""  # where a report's page is: the link in alerts and reminders

    def link(self, report_id: str) -> str:
        return f"{self.web_url.rstrip('/')}/peringatan-dini/{report_id}"


def can_see_reporter(principal: Principal, doc: Mapping[str, Any]) -> bool:
    return principal.role in REPORTER_ROLES and principal.can_write(doc["region"])


def _changed() -> errors.StaleVersion:
    return errors.StaleVersion("the report changed meanwhile; reload and retry")


def photos(items: list[Mapping[str, Any]], report_id: str) -> list[dict[str, Any]]:
    """The attachments as stored: JPEG or PNG by their content, at most ``MAX_PHOTOS`` of
    ``MAX_PHOTO_BYTES`` each (422 naming the photo otherwise)."""
    if len(items) > MAX_PHOTOS:
        raise errors.Invalid(f"at most {MAX_PHOTOS} photos", errors=[{"field": "photos", "message": "too many"}])
    out = []
    for i, p in enumerate(items):
        where = [{"field": f"photos.{i}", "message": "not a JPEG or PNG photo of at most 2 MB"}]
        try:
            data = base64.b64decode(p["data_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise errors.Invalid("a photo is not base64", errors=where) from None
        kind = next((t for magic, t in PHOTO_TYPES.items() if data.startswith(magic)), None)
        if kind is None or len(data) > MAX_PHOTO_BYTES or not data:
            raise errors.Invalid("photos are JPEG or PNG of at most 2 MB", errors=where)
        out.append({"_id": uuid.uuid4().hex[:16], "report_id": report_id, "name": p.get("name") or f"foto-{i + 1}",
                    "content_type": kind, "size": len(data), "data": data})
    return out


async def _parties(ports: Ports, parties: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Ormas named by id (from the registry copy: an unknown id is a 422) or groups by name."""
    ids = [p["ormas_id"] for p in parties if p.get("ormas_id")]
    known = await ports.copy.by_ids(ids)
    out = []
    for i, p in enumerate(parties):
        if p.get("ormas_id"):
            found = known.get(p["ormas_id"])
            if found is None:
                raise errors.Invalid("no such ormas in the registry", errors=[{"field": f"parties.{i}.ormas_id",
                                                                             "message": "unknown ormas"}])
            out.append({"ormas_id": p["ormas_id"], "name": found["name"]})
        elif p.get("name"):
            out.append({"ormas_id": None, "name": p["name"]})
        else:
            raise errors.Invalid("a party is an ormas or a named group",
                                 errors=[{"field": f"parties.{i}", "message": "ormas_id or name"}])
    return out


async def _escalation(ports: Ports, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``escalated`` event the report needs now, if any (its recipients: the teams told)."""
    level = domain.escalation_due(doc)
    if level is None:
        return []
    members = await ports.team.of_regions(domain.alert_levels(doc["region"], level))
    return [changes.report_event("escalated", doc, {
        "level": level, "urgent": level == "kritis", "location_name": doc["location"]["path"], "link": ports.link(doc["_id"]),
        "recipients": [changes.recipient(m) for m in members]})]


async def receive(ports: Ports, principal: Principal | None, body: Mapping[str, Any]) -> dict[str, Any]:
    """A new report; ``principal`` None for the public intake (anonymous unless a name is given)."""
    now = ports.clock()
    where = domain.location(body["location_code"])
    if principal is not None and not principal.can_see(where["office_region"]):
        raise errors.OutOfScope(f"region {where['office_region']} is outside your office's scope")
    occurred = body.get("occurred_at") or now
    if occurred > now + dt.timedelta(minutes=5):
        raise errors.Invalid("it cannot have happened in the future",
                             errors=[{"field": "occurred_at", "message": "in the future"}])
    report_id = uuid.uuid4().hex[:12]
    files = photos(body.get("photos") or [], report_id)
    severity = domain.assess(violence=body["violence"], people_estimate=body.get("people_estimate"),
                             spread=bool(body.get("spread")))
    if principal is None:
        kind, by = "publik", "publik"
        reporter = {"name": body.get("reporter_name"), "contact": body.get("reporter_contact"),
                    "anonymous": not body.get("reporter_name")}
    else:
        kind, by = body.get("source_kind") or "staf", principal.subject  # publik: staff typing in a call
        if principal.role == "ormas":
            kind = "ormas"
        reporter = {"name": body.get("reporter_name"), "contact": body.get("reporter_contact"),
                    "subject": principal.subject, "ormas_id": principal.ormas_id, "anonymous": False}
    doc = {
        "_id": report_id, "version": 1, "region": where["office_region"], "location": {
            **{k: where[k] for k in ("code", "name", "kind", "path")}, "address": body.get("address"),
            "latitude": body.get("latitude"), "longitude": body.get("longitude")},
        "title": body["title"], "chronology": body["chronology"], "category": body["category"],
        "facts": {"violence": body["violence"], "spread": bool(body.get("spread"))},
        "people_estimate": body.get("people_estimate"), "severity": severity, "rubric_severity": severity,
        "parties": await _parties(ports, body.get("parties") or []), "source_kind": kind, "reporter": reporter,
        "occurred_at": occurred, "received_at": now, "status": "diterima", "assignee": None, "actions": [],
        "photos": [{k: f[k] for k in ("_id", "name", "content_type", "size")} for f in files],
        "escalated": {}, "reminded_at": None, "verified_at": None, "handled_at": None, "resolved_at": None,
        "timeline": [{"at": now, "by": by, "action": "diterima", "note": None, "severity": severity}],
    }
    events = [changes.report_event("received", doc, {"by": by})]
    escalation = await _escalation(ports, doc)
    if escalation:
        doc["escalated"] = {doc["severity"]: now}
        doc["timeline"].append({"at": now, "by": "sistem", "action": "dieskalasi", "note": _told(escalation[0])})
    doc["_outbox"] = events + escalation
    await ports.reports.insert(doc, files)
    ports.relay.wake("reports", report_id)
    doc.pop("_outbox")
    return doc


def _told(event: Mapping[str, Any]) -> str:
    alert = event["event"]["data"]["change"]
    return f"tingkat {alert['level']}: {len(alert['recipients'])} anggota tim diberi tahu"


async def visible(ports: Ports, principal: Principal, report_id: str) -> dict[str, Any]:
    doc = await ports.reports.get(report_id)
    if doc is None or not principal.can_see(doc["region"]):
        raise errors.NotFound("no such report")
    return doc


async def _writable(ports: Ports, principal: Principal, report_id: str, if_match: str | None) -> tuple[dict, int]:
    doc = await visible(ports, principal, report_id)
    if not principal.can_write(doc["region"]):
        raise errors.NotFound("no such report")  # the handling office's, not the province's
    return doc, check_if_match(if_match, doc["version"], "report")


async def _write(ports: Ports, doc: dict[str, Any], version: int, fields: dict[str, Any], timeline: list[dict],
                 events: list[str | tuple[str, dict]], push: dict | None = None) -> dict[str, Any]:
    """The change at ``version`` with its events (and the escalation it makes due) in one write."""
    after = {**doc, **fields, "version": version + 1}
    if push and "actions" in push:
        after["actions"] = [*(doc.get("actions") or []), push["actions"]]
    built = [changes.report_event(name, after, change) for name, change in events]
    escalation = await _escalation(ports, after)
    if escalation:
        fields = {**fields, f"escalated.{after['severity']}": ports.clock()}
        timeline = [*timeline, {"at": ports.clock(), "by": "sistem", "action": "dieskalasi", "note": _told(escalation[0])}]
    new = await ports.reports.change(doc["_id"], version, fields, None, built + escalation,
                                     push={**(push or {}), "timeline": {"$each": timeline}})
    if new is None:
        raise _changed()
    ports.relay.wake("reports", doc["_id"])
    return new


async def verify(ports: Ports, principal: Principal, report_id: str, *, proven: bool, severity: str | None,
                 note: str | None, if_match: str | None) -> dict[str, Any]:
    """diterima → diverifikasi (the severity may be set, with the reason in ``note``) or tidak_terbukti."""
    doc, version = await _writable(ports, principal, report_id, if_match)
    to = "diverifikasi" if proven else "tidak_terbukti"
    domain.step(doc, to)
    if severity and severity != doc["severity"] and not note:
        raise errors.Invalid("say why the severity differs from the rubric's",
                             errors=[{"field": "note", "message": "required when the severity changes"}])
    if not proven and not note:
        raise errors.Invalid("say why it is not proven", errors=[{"field": "note", "message": "required"}])
    now = ports.clock()
    fields = {"status": to, "verified_at": now, "severity": severity or doc["severity"]}
    entry = {"at": now, "by": principal.subject, "action": to, "note": note, "severity": fields["severity"]}
    change = {"by": principal.subject, "note": note, "from": doc["status"]}
    return await _write(ports, doc, version, fields, [entry], [("verified" if proven else "dismissed", change)])


async def handle(ports: Ports, principal: Principal, report_id: str, *, note: str | None,
                 if_match: str | None) -> dict[str, Any]:
    doc, version = await _writable(ports, principal, report_id, if_match)
    domain.step(doc, "ditangani")
    now = ports.clock()
    return await _write(ports, doc, version, {"status": "ditangani", "handled_at": now},
                        [{"at": now, "by": principal.subject, "action": "ditangani", "note": note}],
                        [("handling", {"by": principal.subject, "note": note, "from": doc["status"]})])


async def resolve(ports: Ports, principal: Principal, report_id: str, *, note: str, if_match: str | None) -> dict[str, Any]:
    doc, version = await _writable(ports, principal, report_id, if_match)
    domain.step(doc, "selesai")
    now = ports.clock()
    return await _write(ports, doc, version, {"status": "selesai", "resolved_at": now},
                        [{"at": now, "by": principal.subject, "action": "selesai", "note": note}],
                        [("resolved", {"by": principal.subject, "note": note, "from": doc["status"]})])


async def assign(ports: Ports, principal: Principal, report_id: str, member_id: str, if_match: str | None) -> dict[str, Any]:
    """To a member of the office's team or its province's."""
    doc, version = await _writable(ports, principal, report_id, if_match)
    member = await ports.team.get(member_id)
    if member is None or not member.get("active") or member["region"] not in domain.alert_levels(doc["region"], "tinggi"):
        raise errors.Invalid("not a member of this office's team", errors=[{"field": "member_id", "message": "unknown"}])
    now = ports.clock()
    return await _write(ports, doc, version, {"assignee": {"member_id": member["_id"], "name": member["name"]}},
                        [{"at": now, "by": principal.subject, "action": "ditugaskan", "note": member["name"]}],
                        [("assigned", {"member_id": member["_id"], "by": principal.subject})])


async def add_action(ports: Ports, principal: Principal, report_id: str, *, text: str, kegiatan_id: str | None,
                     if_match: str | None) -> dict[str, Any]:
    """A follow-up action, linked to a kegiatan by its id when there is one (its title and status
    come from the copy of ``events.kegiatan``, and follow it)."""
    doc, version = await _writable(ports, principal, report_id, if_match)
    if doc["status"] not in ("diverifikasi", "ditangani"):
        raise domain.IllegalStep(f"actions are recorded on a verified report, not one that is {doc['status']}")
    if len(doc.get("actions") or []) >= 200:
        raise errors.Conflict("a report records at most 200 actions")
    now = ports.clock()
    linked = await ports.kegiatan.get(kegiatan_id) if kegiatan_id else None
    action = {"id": uuid.uuid4().hex[:10], "at": now, "by": principal.subject, "text": text,
              "kegiatan_id": kegiatan_id, "kegiatan": {k: linked[k] for k in ("title", "type", "status", "starts_at")}
              if linked else None}
    return await _write(ports, doc, version, {}, [{"at": now, "by": principal.subject, "action": "tindak_lanjut",
                                                   "note": text}],
                        [("action_recorded", {"action_id": action["id"], "kegiatan_id": kegiatan_id,
                                              "by": principal.subject})], push={"actions": action})


async def kegiatan_changed(ports: Ports, data: Mapping[str, Any]) -> None:
    """A kegiatan's event: the copy, and the reports whose actions name it (redelivery: a no-op)."""
    await ports.kegiatan.apply(data)
    current = await ports.kegiatan.get(data["kegiatan_id"])  # the newest copy: events may come out of order
    shown = {k: current[k] for k in ("title", "type", "status", "starts_at")}
    for r in await ports.reports.linked_to(data["kegiatan_id"]):
        await ports.reports.set_kegiatan(r, data["kegiatan_id"], shown)


async def remind(ports: Ports, verify_within: dt.timedelta) -> int:
    """One sweep: every report still diterima ``verify_within`` after it arrived reminds its
    assignee and the office's head, once — the reminder and its mark are one conditional write, so
    two replicas sweeping at once remind once. Returns how many reminded."""
    now = ports.clock()
    done = 0
    for doc in await ports.reports.unverified_since(now - verify_within):
        if not domain.reminder_due(doc, now, verify_within):
            continue
        members = await ports.team.of(doc["region"])
        told = [m for m in members if m.get("head") or (doc.get("assignee") or {}).get("member_id") == m["_id"]]
        after = {**doc, "version": doc["version"] + 1}
        event = changes.report_event("reminder_due", after, {
            "hours": verify_within.total_seconds() / 3600, "location_name": doc["location"]["path"],
            "link": ports.link(doc["_id"]),
            "recipients": [changes.recipient(m) for m in told]})
        new = await ports.reports.change(doc["_id"], doc["version"], {"reminded_at": now},
                                         {"at": now, "by": "sistem", "action": "pengingat",
                                          "note": f"belum diverifikasi; {len(told)} orang diingatkan"},
                                         [event], where={"reminded_at": None})
        if new is not None:
            done += 1
            ports.relay.wake("reports", doc["_id"])
    return done
