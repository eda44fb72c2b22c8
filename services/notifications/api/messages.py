"""Notifications HTTP API: the delivery status of a kegiatan's invitations, one message with its
history, resending a failed one, and the preview of the letter an operator checks before publishing."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import AwareDatetime, BaseModel, Field

from services.notifications.adapters.fonts import letter_fonts
from services.notifications.adapters.inbox import Messages as MessagesAdapter
from services.notifications.application import certificates as certificates_use
from services.notifications.application import delivery, requests
from services.notifications.deps import Config, ContactsCopy, Current, Enqueue, Keys, Messages, OrmasAccount, Writer
from services.notifications.domain import certificates, documents, letters, registry_letters
from shared import errors
from shared.auth import Principal, check_region
from shared.masking import SEES_CONTACTS, mask_email, mask_phone
from shared.text import Input
from shared.web import Conflict, NotFound, Unprocessable

router = APIRouter(tags=["delivery"])
SKT_PREFIX = "skt"  # SKT-expiry notices: message ids skt:<ormas>:… (domain/messages.py)


class MessageOut(BaseModel):
    id: str
    kegiatan_id: str | None
    participant_id: str | None
    recipient: str | None
    kind: str
    channel: str
    to: str | None = Field(description="phone numbers masked")
    status: str
    attempts: int
    error: str | None
    unconfirmed: bool = Field(default=False, description="handed to the provider before a worker died; not resent")
    fallback_of: str | None = None
    history: list[dict[str, Any]]


class DeliveryOut(BaseModel):
    kegiatan_id: str
    messages: int
    participants: int
    by_status: dict[str, int]
    by_channel: dict[str, dict[str, int]]
    unreachable: list[dict[str, Any]] = Field(description="participants with no usable contact")
    failed: list[MessageOut]
    by_participant: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict, description="each participant's invitation messages: channel, status, message id")


def _masked(channel: str, to: str | None, role: str) -> str | None:
    """Phone numbers are masked for everyone; an address for the roles that see no contacts."""
    if channel != "email":
        return mask_phone(to)
    return to if role in SEES_CONTACTS else mask_email(to)


def message_out(m: dict[str, Any], role: str = "operator") -> MessageOut:
    return MessageOut(id=m["_id"], kegiatan_id=m.get("kegiatan_id"), participant_id=m.get("participant_id"),
                      recipient=m.get("recipient_name"), kind=m["kind"], channel=m["channel"],
                      to=_masked(m["channel"], m.get("to"), role), status=m["status"], attempts=m.get("attempts", 0),
                      error=m.get("error"), unconfirmed=bool(m.get("unconfirmed")), fallback_of=m.get("fallback_of"),
                      history=[{"at": h["at"], "status": h["status"], "note": h.get("note")} for h in m.get("history", [])])


@router.get("/kegiatan/{kegiatan_id}/deliveries", response_model=DeliveryOut)
async def deliveries(kegiatan_id: str, principal: Current, messages: Messages) -> DeliveryOut:
    """Every message of a kegiatan's invitations rolled up by status and channel."""
    if kegiatan_id == SKT_PREFIX:  # not a kegiatan: the SKT notices have their own listing
        raise NotFound("no such kegiatan; SKT notices are listed at /skt-notices")
    # each message by its own region: a kegiatan's messages could span regions
    ms = [m for m in await messages.of_kegiatan(kegiatan_id) if principal.can_see(m.get("region") or "-")]
    if not ms:
        raise NotFound("no messages for this kegiatan (yet)")
    by_status: dict[str, int] = {}
    by_channel: dict[str, dict[str, int]] = {}
    for m in ms:
        by_status[m["status"]] = by_status.get(m["status"], 0) + 1
        ch = by_channel.setdefault(m["channel"], {})
        ch[m["status"]] = ch.get(m["status"], 0) + 1
    return DeliveryOut(
        kegiatan_id=kegiatan_id, messages=len(ms), participants=len({m.get("participant_id") for m in ms}),
        by_status=by_status, by_channel=by_channel,
        unreachable=[{"participant_id": m.get("participant_id"), "name": m.get("recipient_name")}
                     for m in ms if m["status"] == "unreachable"],
        failed=[message_out(m, principal.role) for m in ms if m["status"] in ("failed", "dead")],
        by_participant=_by_participant(ms))


def _by_participant(ms: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for m in sorted(ms, key=lambda m: m["_id"]):
        if m["kind"] == "invitation" and m.get("participant_id"):
            out.setdefault(m["participant_id"], []).append({"id": m["_id"], "channel": m["channel"], "status": m["status"]})
    return out


class RemindIn(Input):
    participant_ids: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1, max_length=5000)


class RemindOut(BaseModel):
    queued: int = Field(description="messages queued now")
    already_today: int = Field(description="invitees already reminded by hand today: nothing sent twice")
    answered: int = Field(description="invitees who have answered: not reminded")
    unreachable: int = Field(description="invitees with no contact")


@router.post("/kegiatan/{kegiatan_id}/reminders", response_model=RemindOut)
async def remind(kegiatan_id: str, body: RemindIn, principal: Writer, messages: Messages, enqueue: Enqueue) -> RemindOut:
    """"Ingatkan": a reminder now to the chosen invitees who have not answered, on the channels of
    their invitation; once a day each."""
    done = await requests.remind(messages, enqueue, principal, kegiatan_id, body.participant_ids,
                                 dt.datetime.now(dt.UTC))
    return RemindOut(**dataclasses.asdict(done))


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None


@router.get("/skt-notices", response_model=MessagePage)
async def skt_notices(principal: Current, messages: Messages,
                      region: str | None = Query(default=None, max_length=13, description="this region and below"),
                      cursor: str | None = Query(default=None, max_length=300),
                      limit: int = Query(default=50, ge=1, le=200)) -> MessagePage:
    """The SKT-expiry notices sent to the ormas of the caller's region (and below), by message id."""
    scope = principal.region if region is None else region
    if region is not None:
        check_region(principal, region)
    if cursor and not cursor.startswith(f"{SKT_PREFIX}:"):
        raise Unprocessable("invalid cursor", errors=[{"field": "cursor", "message": "invalid"}])
    ms = await messages.with_prefix(f"{SKT_PREFIX}:", after=cursor, region_scope=scope, limit=limit + 1)
    more = len(ms) > limit
    ms = ms[:limit]
    return MessagePage(items=[message_out(m, principal.role) for m in ms],
                       next_cursor=ms[-1]["_id"] if more else None)


async def _message(messages: MessagesAdapter, principal: Principal, message_id: str) -> dict[str, Any]:
    m = await messages.get(message_id)
    if m is None or not principal.can_see(m.get("region") or "-"):
        raise NotFound("no such message")
    return m


@router.get("/messages/{message_id}", response_model=MessageOut)
async def get_message(message_id: str, principal: Current, messages: Messages) -> MessageOut:
    return message_out(await _message(messages, principal, message_id), principal.role)


@router.post("/messages/{message_id}/resend", response_model=MessageOut)
async def resend(message_id: str, principal: Writer, messages: Messages, enqueue: Enqueue) -> MessageOut:
    """A failed or dead message (the operator fixed the address in the registry, or the provider
    is back) is queued again."""
    m = await _message(messages, principal, message_id)
    if not principal.can_write(m.get("region") or "-"):
        raise NotFound("no such message")
    if m["status"] not in ("failed", "dead"):
        raise Conflict(f"only a failed message is resent; this one is {m['status']}", current_status=m["status"])
    now = dt.datetime.now(dt.UTC)
    updated = await messages.requeue(message_id, m["status"], principal.subject, now)
    if updated is None:
        raise Conflict("the message changed meanwhile; reload and retry")
    await asyncio.to_thread(enqueue, [message_id])
    return message_out(updated)


class Person(Input):
    name: str = Field(min_length=1, max_length=200)
    position: str | None = Field(default=None, max_length=200)
    institution: str | None = Field(default=None, max_length=200)


# The kegiatan of a preview, bounded field by field as the events API bounds it.
class PreviewVenue(Input):
    name: str = Field(min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    region: str = Field(min_length=2, max_length=13)
    region_name: str | None = Field(default=None, max_length=200)
    zone: Literal["WIB", "WITA", "WIT"]
    timezone: str | None = Field(default=None, max_length=40)


class PreviewOrganiser(Input):
    name: str = Field(min_length=1, max_length=200)
    region: str = Field(min_length=2, max_length=13)
    address: str | None = Field(default=None, max_length=300)


class PreviewLetter(Input):
    number: str | None = Field(default=None, max_length=100)
    nature: str | None = Field(default=None, max_length=50)
    attachment: str | None = Field(default=None, max_length=50)
    subject: str | None = Field(default=None, max_length=300)
    signatory_name: str | None = Field(default=None, max_length=200)
    signatory_title: str | None = Field(default=None, max_length=200)
    signatory_nip: str | None = Field(default=None, pattern=r"^[0-9]{18}$")
    place: str | None = Field(default=None, max_length=100)
    date: dt.date | None = None


class PreviewAgendaItem(Input):
    title: str = Field(min_length=1, max_length=300)
    time: str | None = Field(default=None, max_length=20)
    day: int | None = Field(default=None, ge=1, le=31)


class PreviewKegiatan(Input):
    """The kegiatan as the events service's snapshot carries it, with its letter, agenda, speakers."""

    multiline = frozenset({"theme"})
    kegiatan_id: str | None = Field(default=None, max_length=100)
    version: int | None = Field(default=None, ge=1)
    title: str = Field(min_length=1, max_length=300)
    type: str = Field(min_length=1, max_length=50)
    theme: str | None = Field(default=None, max_length=500)
    region: str | None = Field(default=None, max_length=13)
    status: str | None = Field(default=None, max_length=20)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    rsvp_cutoff: AwareDatetime | None = None
    venue: PreviewVenue
    organiser: PreviewOrganiser
    seats_per_ormas: int | None = Field(default=None, ge=1, le=50)
    capacity: int | None = Field(default=None, ge=1, le=1_000_000)
    invited: int | None = Field(default=None, ge=0)
    speakers: list[Person] = Field(default_factory=list, max_length=50)
    agenda: list[PreviewAgendaItem] = Field(default_factory=list, max_length=100)
    letter: PreviewLetter | None = None


class PreviewIn(Input):
    """The kegiatan as the events service holds it (its snapshot, letter, agenda, speakers) and a
    sample recipient; the RSVP link and QR code are placeholders."""

    kegiatan: PreviewKegiatan
    recipient: Person = Person(name="Nama Ormas")
    kind: Literal["ormas", "guest"] = "ormas"
    seats: int = Field(default=1, ge=1, le=50)
    format: Literal["html", "pdf", "text", "short"] = "html"


@router.post("/preview", responses={200: {"content": {"application/pdf": {}, "text/html": {}}}})
async def preview(body: PreviewIn, principal: Current, messages: Messages, keys: Keys, config: Config) -> Response:
    """The letter exactly as it will be sent, or 422 naming what is missing — checked before
    publishing, so that no worker meets a letter it cannot write."""
    k = body.kegiatan.model_dump(mode="json")
    for t in ("starts_at", "ends_at", "rsvp_cutoff"):  # as the snapshot writes them
        if k.get(t):
            k[t] = k[t].replace("+00:00", "Z")
    cutoff = k.get("rsvp_cutoff") or k.get("starts_at")
    data = {"kind": body.kind, "seats": body.seats, "kegiatan": k, "rsvp_url": "https://contoh/rsvp/…",
            "rsvp_cutoff": cutoff, "checkin_token": "CONTOH-KODE-QR-" + "0" * 40,
            "recipient": {**body.recipient.model_dump(), "email": None, "phone": None, "whatsapp": None, "officers": []}}
    data["sent_on"] = delivery.sent_on(data, dt.datetime.now(dt.UTC))
    data["office"] = await messages.office(delivery.office_region(data))  # its letterhead, as sent
    try:
        if body.format == "pdf":
            papers = delivery.papers_of(config, keys)
            signed = await asyncio.to_thread(lambda: letters.pdf(
                data, letter_fonts(), signing=papers.signing(delivery.office_region(data))))
            return Response(signed, media_type="application/pdf")
        if body.format == "text":
            return Response(letters.text(data), media_type="text/plain; charset=utf-8")
        if body.format == "short":
            return Response(letters.short_text(data), media_type="text/plain; charset=utf-8")
        return HTMLResponse(letters.html_letter(data))
    except letters.LetterError:
        raise  # a FieldError: 422 naming the field
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise Unprocessable(f"the kegiatan data is incomplete: {e!r}",
                            errors=[{"field": "kegiatan", "message": f"missing or invalid: {e}"}]) from None


class CertificateIn(Input):
    """One certificate of attendance: the kegiatan as the events service holds it, the person, and
    the number the office gives it."""

    kegiatan: PreviewKegiatan
    name: str = Field(min_length=1, max_length=200)
    institution: str | None = Field(default=None, max_length=200)
    number: str = Field(min_length=1, max_length=100)


@router.post("/certificates", responses={200: {"content": {"application/pdf": {}}}})
async def certificate(body: CertificateIn, principal: Writer, messages: Messages, keys: Keys,
                      config: Config) -> Response:
    """The certificate of attendance of a training's participant, under the office's letterhead
    (issued by the office's operators and admins), signed, with its verification code."""
    return await _certificate(body.kegiatan.model_dump(mode="json"), body.name, body.institution, body.number,
                              messages, keys, config)


async def _certificate(k: dict[str, Any], name: str, institution: str | None, number: str, messages, keys,
                       config) -> Response:
    region = delivery.office_region({"kegiatan": k})
    office = await messages.office(region)
    letter = k.get("letter") or {}
    papers = delivery.papers_of(config, keys)
    document_id = f"certificate:{k.get('kegiatan_id') or k['title']}:{number}"
    verification = papers.verification(document_id)
    made = await asyncio.to_thread(lambda: certificates.pdf(
        k, name=name, institution=institution, number=number, office=office,
        signatory_name=letter.get("signatory_name"), signatory_title=letter.get("signatory_title"), fonts=letter_fonts(),
        verification=verification, signing=papers.signing(region, "Sertifikat kehadiran")))
    await messages.record_document(documents.record(
        code_=verification.code, kind="sertifikat", document_id=document_id, number=number,
        dated=delivery.sent_on({"kegiatan": k}, dt.datetime.now(dt.UTC)), office_region=region,
        office_name=(office or {}).get("name") or k["organiser"]["name"], addressee=name, title=k["title"],
        pdf=made, now=dt.datetime.now(dt.UTC), titled=False))
    return Response(made, media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="sertifikat.pdf"'})


class OwnCertificateOut(BaseModel):
    participant_id: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    number: str


@router.get("/portal/certificates", response_model=list[OwnCertificateOut])
async def own_certificates(principal: OrmasAccount, messages: Messages) -> list[OwnCertificateOut]:
    """An ormas account's certificates of attendance: the completed trainings its ormas was invited
    to and present at on every day."""
    return [OwnCertificateOut(participant_id=e.participant_id, title=e.kegiatan["title"],
                              starts_at=e.kegiatan["starts_at"], ends_at=e.kegiatan["ends_at"], number=e.number)
            for e in await certificates_use.own(messages, principal.ormas_id)]


@router.get("/portal/certificates/{participant_id}", responses={200: {"content": {"application/pdf": {}}}})
async def own_certificate(participant_id: str, principal: OrmasAccount, messages: Messages, keys: Keys,
                          config: Config) -> Response:
    """One of them, written and signed as the office's list writes it (404 for any other)."""
    earned = next((e for e in await certificates_use.own(messages, principal.ormas_id)
                   if e.participant_id == participant_id), None)
    if earned is None:
        raise NotFound("no certificate of your ormas has this id")
    return await _certificate(earned.kegiatan, earned.name, earned.institution, earned.number, messages, keys, config)


class OrmasAddress(Input):
    street: str | None = Field(default=None, max_length=300)
    region: str | None = Field(default=None, max_length=13)


class OrmasSkt(Input):
    number: str = Field(min_length=1, max_length=100)
    issued_on: dt.date | None = None
    valid_until: dt.date
    issuer: Literal["kantor", "kemendagri"] | None = Field(
        default=None, description="kemendagri: the letter is the office's surat keterangan keberadaan")
    presence_number: str | None = Field(default=None, min_length=1, max_length=100,
                                        description="the office's number for that letter (needed with kemendagri)")
    presence_issued_on: dt.date | None = None


class OrmasLetterIn(Input):
    """The ormas as the registry holds it (``GET /ormas/{id}``): what its letter says."""

    id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=300)
    acronym: str | None = Field(default=None, max_length=50)
    kind: str = Field(min_length=1, max_length=30)
    legal_form: str | None = Field(default=None, max_length=30)
    region: str = Field(min_length=2, max_length=13)
    bidang: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=30)
    address: OrmasAddress | None = None
    skt: OrmasSkt


@router.post("/registry-letters", responses={200: {"content": {"application/pdf": {}}}})
async def registry_letter(body: OrmasLetterIn, principal: Writer, messages: Messages, keys: Keys,
                          config: Config) -> Response:
    """The Surat Keterangan Terdaftar of a registered ormas, under its office's letterhead, signed
    by the office, with its verification code (issued by the office's operators and admins); 422
    naming what the office's settings lack."""
    check_region(principal, body.region)
    return await _registration_letter(body, messages, keys, config)


async def _registration_letter(body: OrmasLetterIn, messages, keys, config) -> Response:
    ormas = {**body.model_dump(mode="json"), "office_region": body.region}
    office = await messages.office(body.region)
    papers = delivery.papers_of(config, keys)
    letter = registry_letters.kind_of(ormas)  # RegistryLetterError (422) before anything is signed
    document_id = f"{letter.prefix}:{body.id}:{letter.number}"
    verification = papers.verification(document_id)
    made = await asyncio.to_thread(lambda: registry_letters.pdf(
        ormas, office, letter_fonts(), verification=verification, signing=papers.signing(body.region, letter.reason)))
    await messages.record_document(documents.record(
        code_=verification.code, kind=letter.kind, document_id=document_id, number=letter.number,
        dated=letter.dated.isoformat(), office_region=body.region,
        office_name=(office or {}).get("name") or "Bakesbangpol", addressee=body.name,
        title=f"{letter.title} {body.name}", pdf=made, now=dt.datetime.now(dt.UTC), titled=False))
    return Response(made, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{letter.filename}"'})


@router.get("/portal/registration-letter", responses={200: {"content": {"application/pdf": {}}}})
async def own_registration_letter(principal: OrmasAccount, messages: Messages, keys: Keys, config: Config,
                                  contacts: ContactsCopy) -> Response:
    """An ormas account's own Surat Keterangan Terdaftar, written from this service's copy of the
    registry (never from what the caller sends), once the ormas is registered."""
    copy = await contacts.coll.find_one({"_id": principal.ormas_id})
    if copy is None or copy.get("status") not in ("registered", "expiring") or not copy.get("skt_number"):
        raise errors.Conflict("the ormas is not registered (yet): no letter to issue")
    body = OrmasLetterIn(id=principal.ormas_id, name=copy["name"], acronym=copy.get("acronym"),
                         kind=copy.get("kind") or "ormas", legal_form=copy.get("legal_form"), region=copy["region"],
                         bidang=copy.get("bidang") or [],
                         skt=OrmasSkt(number=copy["skt_number"], issued_on=copy.get("skt_issued_on"),
                                      valid_until=copy["skt_valid_until"], issuer=copy.get("skt_issuer"),
                                      presence_number=copy.get("presence_number"),
                                      presence_issued_on=copy.get("presence_issued_on")))
    return await _registration_letter(body, messages, keys, config)
