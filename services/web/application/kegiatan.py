"""Kegiatan as the pages need them: each use case calls the events, notifications and registry
APIs with the user's token and gathers what one page shows; every rule stays with the services."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from services.web.adapters.apis import ApiProblem, Apis
from services.web.application.accounts import office
from services.web.application.session import User
from services.web.domain import kegiatan as domain

MAX_PAGES = 5
log = logging.getLogger(__name__)


async def month(apis: Apis, user: User, first: dt.date) -> list[dict[str, Any]]:
    """The kegiatan of the user's scope that run in the month (newest first from the events list)."""
    start, end = domain.month_bounds(first)
    cursor, out = f"{end.isoformat()}|", []
    for _ in range(MAX_PAGES):
        page = await apis.events.get("/kegiatan", user.access_token, params={"limit": 200, "cursor": cursor})
        for k in page["items"]:
            if dt.datetime.fromisoformat(k["ends_at"].replace("Z", "+00:00")) >= start:
                out.append(k)
        last = page["items"][-1]["starts_at"] if page["items"] else None
        cursor = page.get("next_cursor")
        if not cursor or last is None or dt.datetime.fromisoformat(last.replace("Z", "+00:00")) < start - dt.timedelta(days=31):
            break
    return sorted(out, key=lambda k: k["starts_at"])


async def get(apis: Apis, user: User, kegiatan_id: str) -> dict[str, Any]:
    return await apis.events.get(f"/kegiatan/{kegiatan_id}", user.access_token)


async def optional(coro) -> Any:
    try:
        return await coro
    except ApiProblem as e:
        if e.status in (404, 503):
            return None
        raise


async def detail(apis: Apis, user: User, kegiatan_id: str, q: str | None = None) -> dict[str, Any]:
    """The kegiatan with its invitees, participants (each with its letters' channel and status),
    attendance and the delivery summary."""
    t = user.access_token
    k = await get(apis, user, kegiatan_id)
    invitees, attendance, deliveries = await asyncio.gather(
        optional(apis.events.get(f"/kegiatan/{kegiatan_id}/invitees", t)),
        optional(apis.events.get(f"/kegiatan/{kegiatan_id}/attendance", t)),
        optional(apis.notifications.get(f"/kegiatan/{kegiatan_id}/deliveries", t)) if k["status"] != "draft" else _none())
    participants = None
    if k["status"] != "draft":
        participants = await optional(apis.events.get(f"/kegiatan/{kegiatan_id}/participants", t,
                                                       params={"q": q, "limit": 500}))
    return {"kegiatan": k, "invitees": invitees, "attendance": attendance, "deliveries": deliveries,
            "participants": participants}


async def _none() -> None:
    return None


async def new_values(apis: Apis, user: User) -> dict[str, str]:
    """A new kegiatan's form: the office's own region as the venue, the letter's signatory from its
    settings. Should the registry not answer, the form still opens, its signatory left to be typed."""
    try:
        settings = await office(apis, user, user.region) if user.region else None
    except ApiProblem as e:
        if e.kind != "unavailable":
            raise
        log.warning("office settings of %s unavailable for a new kegiatan: %s", user.region, e.detail[:200])
        settings = None
    return {"type": "fasilitasi", "venue_region": user.region or "", "seats_per_ormas": "1",
            "start_time": "08.00", "end_time": "15.00", **domain.letter_defaults(settings, user.region)}


async def create(apis: Apis, user: User, body: dict[str, Any]) -> dict[str, Any]:
    return await apis.events.post("/kegiatan", user.access_token, json=body)


async def update(apis: Apis, user: User, kegiatan_id: str, version: int, body: dict[str, Any]) -> dict[str, Any]:
    r = await apis.events.call("PATCH", f"/kegiatan/{kegiatan_id}", user.access_token, json=body,
                               headers={"If-Match": f'"{version}"'})
    return r.json()


def targeting_body(rule: dict[str, Any] | None, ormas_ids: list[str], guests: list[dict[str, Any]]) -> dict[str, Any]:
    return {"rule": rule, "ormas_ids": ormas_ids, "guests": guests}


async def preview_invitees(apis: Apis, user: User, kegiatan_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return await apis.events.post(f"/kegiatan/{kegiatan_id}/invitees/preview", user.access_token, json=body)


async def save_invitees(apis: Apis, user: User, kegiatan_id: str, version: int, body: dict[str, Any]) -> dict[str, Any]:
    r = await apis.events.call("PUT", f"/kegiatan/{kegiatan_id}/invitees", user.access_token, json=body,
                               headers={"If-Match": f'"{version}"'})
    return r.json()


async def add_invitees(apis: Apis, user: User, kegiatan_id: str, version: int, ormas_ids: list[str],
                       guests: list[dict[str, Any]]) -> dict[str, Any]:
    r = await apis.events.call("POST", f"/kegiatan/{kegiatan_id}/invitees", user.access_token,
                               json={"ormas_ids": ormas_ids, "guests": guests}, headers={"If-Match": f'"{version}"'})
    return r.json()


async def find_ormas(apis: Apis, user: User, q: str, region: str) -> list[dict[str, Any]]:
    """Ormas picked by name for the invitee list (the registry's search, within the organiser's region)."""
    if len(q.strip()) < 2:
        return []
    page = await apis.registry.get("/ormas", user.access_token, params={"q": q, "region": region, "limit": 10})
    return page["items"]


async def ormas_names(apis: Apis, user: User, ids: list[str]) -> dict[str, str]:
    """The names of explicitly invited ormas, for the builder's list."""
    found = await asyncio.gather(*(optional(apis.registry.get(f"/ormas/{i}", user.access_token)) for i in ids[:100]))
    return {i: (o or {}).get("name") or i for i, o in zip(ids, found)}


def letter_kegiatan(k: dict[str, Any], office_settings: dict[str, Any] | None) -> dict[str, Any]:
    """The kegiatan as the events service's snapshot carries it, for notifications' preview."""
    venue = k["venue"]
    return {"kegiatan_id": k["id"], "version": k["version"], "title": k["title"], "type": k["type"],
            "theme": k.get("theme"), "region": k["region"] or None, "status": k["status"], "starts_at": k["starts_at"],
            "ends_at": k["ends_at"], "rsvp_cutoff": k.get("rsvp_cutoff"),
            "venue": {"name": venue["name"], "address": venue.get("address"), "region": venue["region"], "zone": venue["zone"]},
            "organiser": {"name": k["organiser"]["name"], "region": k["organiser"].get("region") or "00",
                          "address": (office_settings or {}).get("address") or k["organiser"].get("address")},
            "seats_per_ormas": k["seats_per_ormas"], "capacity": k.get("capacity"), "speakers": k.get("speakers") or [],
            "agenda": k.get("agenda") or [], "letter": k.get("letter")}


async def letter(apis: Apis, user: User, kegiatan_id: str, fmt: str = "pdf") -> bytes:
    """The invitation letter exactly as notifications will write it, as the PDF or the e-mail's
    HTML (the first invitee's name as a sample)."""
    k = await get(apis, user, kegiatan_id)
    settings = await office(apis, user, k["region"]) if k["region"] else None
    invitees = await optional(apis.events.get(f"/kegiatan/{kegiatan_id}/invitees", user.access_token))
    sample = ((invitees or {}).get("sample") or [{}])[0].get("name") or "Nama Ormas"
    r = await apis.notifications.call("POST", "/preview", user.access_token, json={
        "kegiatan": letter_kegiatan(k, settings), "recipient": {"name": sample}, "seats": k["seats_per_ormas"],
        "format": fmt})
    return r.content


async def transition(apis: Apis, user: User, kegiatan_id: str, version: int, body: dict[str, Any]) -> dict[str, Any]:
    r = await apis.events.call("POST", f"/kegiatan/{kegiatan_id}/transitions", user.access_token, json=body,
                               headers={"If-Match": f'"{version}"'})
    return r.json()


async def record_answer(apis: Apis, user: User, kegiatan_id: str, participant_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return await apis.events.post(f"/kegiatan/{kegiatan_id}/participants/{participant_id}/answer", user.access_token,
                                  json=body)


async def remind(apis: Apis, user: User, kegiatan_id: str, participant_ids: list[str]) -> dict[str, Any]:
    return await apis.notifications.post(f"/kegiatan/{kegiatan_id}/reminders", user.access_token,
                                         json={"participant_ids": participant_ids})


async def resend(apis: Apis, user: User, message_id: str) -> dict[str, Any]:
    return await apis.notifications.post(f"/messages/{message_id}/resend", user.access_token)


async def save_minutes(apis: Apis, user: User, kegiatan_id: str, version: int, text: str) -> dict[str, Any]:
    r = await apis.events.call("PUT", f"/kegiatan/{kegiatan_id}/minutes", user.access_token, json={"text": text},
                               headers={"If-Match": f'"{version}"'})
    return r.json()


async def add_aspiration(apis: Apis, user: User, kegiatan_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return await apis.events.post(f"/kegiatan/{kegiatan_id}/aspirations", user.access_token, json=body)


async def follow_up(apis: Apis, user: User, kegiatan_id: str, aspiration_id: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await apis.events.call("PATCH", f"/kegiatan/{kegiatan_id}/aspirations/{aspiration_id}", user.access_token,
                               json=body)
    return r.json()


async def walk_in(apis: Apis, user: User, kegiatan_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return await apis.events.post(f"/kegiatan/{kegiatan_id}/walk-ins", user.access_token, json=body)


async def apis_invitees(apis: Apis, user: User, kegiatan_id: str) -> dict[str, Any]:
    """Whom the kegiatan invites now (a draft's targeting resolved; letters by channel)."""
    return await apis.events.get(f"/kegiatan/{kegiatan_id}/invitees", user.access_token)


async def participant(apis: Apis, user: User, kegiatan_id: str, participant_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The kegiatan and one of its invitees (ApiProblem 404 when there is no such invitee)."""
    k, p = await asyncio.gather(get(apis, user, kegiatan_id), apis.events.get(
        f"/kegiatan/{kegiatan_id}/participants/{participant_id}", user.access_token))
    return k, p


async def record_attendance(apis: Apis, user: User, kegiatan_id: str, entries: list[dict[str, Any]]) -> int:
    """Attendance entered by hand for a recorded kegiatan, one (participant, day) at a time; the
    number newly recorded (an entry already there counts nothing)."""
    new = 0
    for e in entries:
        r = await apis.events.call("POST", f"/kegiatan/{kegiatan_id}/recorded-attendance", user.access_token, json=e)
        new += r.status_code == 201
    return new


class VisitIncomplete(Exception):
    """The visit's kegiatan exists but a later step failed: it is finished on its own page."""

    def __init__(self, kegiatan_id: str, problem: ApiProblem):
        super().__init__(kegiatan_id)
        self.kegiatan_id, self.problem = kegiatan_id, problem


async def record_visit(apis: Apis, user: User, visit: dict[str, Any]) -> str:
    """An ormas's visit to the office (silaturahmi), recorded as a kegiatan that took place: the
    ormas as its participant present with its visitors, what was discussed as the minutes, each
    follow-up as an aspiration, then completed. Returns the kegiatan's id; once the kegiatan
    exists, a step that fails raises VisitIncomplete (it is finished on its page, not made twice)."""
    t = user.access_token
    k = await apis.events.post("/kegiatan", t, json=visit["kegiatan"])
    kid = k["id"]
    try:
        await _visit_steps(apis, user, k, visit)
    except ApiProblem as e:
        raise VisitIncomplete(kid, e) from None
    return kid


async def _visit_steps(apis: Apis, user: User, k: dict[str, Any], visit: dict[str, Any]) -> None:
    t, kid = user.access_token, k["id"]
    await apis.events.call("PUT", f"/kegiatan/{kid}/invitees", t, json={"ormas_ids": [visit["ormas_id"]]},
                           headers={"If-Match": f'"{k["version"]}"'})
    k = await get(apis, user, kid)
    await transition(apis, user, kid, k["version"], {"action": "record"})
    pid = f"{kid}:{visit['ormas_id']}"
    for _ in range(100):  # the participant is written by the fan-out, a moment after recording
        if await optional(apis.events.get(f"/kegiatan/{kid}/participants/{pid}", t)) is not None:
            break
        await asyncio.sleep(0.1)
    await record_attendance(apis, user, kid, [{"participant_id": pid, "day": visit["day"], "people": visit["people"]}])
    if visit.get("minutes"):
        k = await get(apis, user, kid)
        await save_minutes(apis, user, kid, k["version"], visit["minutes"])
    for topic, owner in visit.get("follow_ups") or []:
        await add_aspiration(apis, user, kid, {"topic": topic, "text": "", "raised_by": visit["raised_by"],
                                               "raised_by_ormas_id": visit["ormas_id"], "follow_up_owner": owner or None})
    k = await get(apis, user, kid)
    await transition(apis, user, kid, k["version"], {"action": "complete"})


async def ormas_of(apis: Apis, user: User, ormas_id: str) -> dict[str, Any]:
    return await apis.registry.get(f"/ormas/{ormas_id}", user.access_token)


async def certified(apis: Apis, user: User, kegiatan_id: str) -> list[dict[str, Any]]:
    """Who earned a certificate of attendance (a completed training's participants present every day)."""
    return (await apis.events.get(f"/kegiatan/{kegiatan_id}/certificates", user.access_token))["items"]


async def certificate_pdf(apis: Apis, user: User, kegiatan_id: str, participant_id: str) -> bytes:
    """One participant's certificate as notifications writes it (ApiProblem 404 if they earned none)."""
    k, earned = await asyncio.gather(get(apis, user, kegiatan_id), certified(apis, user, kegiatan_id))
    entry = next((c for c in earned if c["id"] == participant_id), None)
    if entry is None:
        raise ApiProblem(status=404, type="urn:kesbang:problem:not-found", detail="no certificate for this participant")
    r = await apis.notifications.call("POST", "/certificates", user.access_token, json={
        "kegiatan": letter_kegiatan(k, None), "name": entry["name"], "institution": entry.get("institution"),
        "number": entry["number"]})
    return r.content
