"""Use cases of sending: one message to its provider, the retry, the fallback to the next channel,
recovery of what a killed worker left, and the reminders. Called by the Celery tasks
(``worker.py``), which run them synchronously (PyMongo's synchronous client, one message at a time).

:func:`send` claims the message record, waits out quiet hours and the shared rate limit, writes
the letter, calls the channel — which marks the message *handed to the provider* at its commit
point (``adapters/channels.py``) — and settles the record: sent; queued again with backoff and
jitter (transient errors); failed with the reason and on to the next channel (permanent errors);
dead after the last attempt. Every exception settles the message, or it would be claimed forever:
one the channel does not name is retried before the hand-over and counted as sent
``unconfirmed`` after it (it may have gone out)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Any

from services.notifications.adapters import channels
from services.notifications.adapters.fonts import letter_fonts
from services.notifications.adapters.ratelimit import RateLimiter
from services.notifications.adapters.signing import OfficeKeys
from services.notifications.adapters.store import MessageStore
from services.notifications.domain import documents, letters, messages
from services.notifications.settings import Settings
from shared import regions, tracing

log = logging.getLogger(__name__)
QUIET_STEP = dt.timedelta(hours=5)  # a countdown stays below the broker's visibility timeout
REMINDERS = (("reminder_1d", dt.timedelta(days=1)), ("reminder_3d", dt.timedelta(days=3)))


@dataclasses.dataclass(frozen=True)
class Ports:
    store: MessageStore
    limiter: Callable[[], RateLimiter]
    channel: Callable[[str], channels.Channel]
    later: Callable[[str, float], None]  # send this message again after so many seconds
    enqueue: Callable[[str], None]  # send this message now
    config: Settings
    papers: "Papers | None" = None  # signs the letters and proves them (None: unsigned, as in a test of sending)


@dataclasses.dataclass(frozen=True)
class Papers:
    """The documents layer's ports: each office's key (``adapters/signing.py``), the verification
    codes' secret and public page, and where each signed document's record is kept."""
    keys: OfficeKeys
    secret: bytes
    verify_url: str
    record: Callable[[dict[str, Any]], None] = lambda doc: None

    def verification(self, document_id: str) -> letters.Verification:
        code = documents.code(self.secret, document_id)
        return letters.Verification(code=code, url=f"{self.verify_url.rstrip('/')}/{code}")

    def signing(self, region: str, reason: str = "Surat resmi kantor") -> letters.Signing:
        r = regions.get(region)
        return letters.Signing(cms=self.keys.cms(region), signer=self.keys.subject(region), reason=reason,
                               location=r.name if r else "Jakarta")


def papers_of(config: Settings, keys: OfficeKeys, record: Callable[[dict[str, Any]], None] = lambda doc: None) -> Papers:
    return Papers(keys=keys, secret=config.document_secret.encode(), verify_url=config.verify_url, record=record)


def office_region(data: dict[str, Any]) -> str:
    """The organising office's region ("" for the national office, which events writes "00")."""
    region = ((data.get("kegiatan") or {}).get("organiser") or {}).get("region") or ""
    return "" if region == "00" else region


def sent_on(data: dict[str, Any], now: dt.datetime) -> str:
    """The day a letter is sent, in its office's zone (the letter's date when the office set none)."""
    region = office_region(data)
    return now.astimezone(regions.ZONES[regions.zone_of(region) if regions.get(region) else "WIB"]).date().isoformat()


def content(msg: dict[str, Any], office: dict[str, Any] | None = None, papers: Papers | None = None) -> channels.Content:
    """What the message says on its channel (the letter data was checked at preview and publish),
    under ``office``'s letterhead (its settings as the registry last sent them) when it set one;
    an e-mail invitation carries its letter as a PDF signed by the office, whose verification
    record ``papers`` keeps before it goes out."""
    data = msg["payload"]
    if msg["kind"].startswith("ew_"):  # an early-warning alert or reminder to a team member
        subject, body = letters.alert_notice(msg["kind"], data)
        return channels.Content(subject=subject, text=body, message_id=msg["_id"],
                                template=letters.template(msg["kind"], data))
    if msg["kind"] == "account_verification":
        subject, body = letters.verification_notice(data)
        return channels.Content(subject=subject, text=body, message_id=msg["_id"])
    if msg["kind"] == "activity_report_due":
        subject, body = letters.activity_notice(data)
        return channels.Content(subject=subject, text=body, message_id=msg["_id"],
                                template=letters.template(msg["kind"], data))
    if msg["kind"].startswith("skt_expiry"):
        subject, body = letters.skt_notice(data)
        return channels.Content(subject=subject, text=body, message_id=msg["_id"],
                                template=letters.template(msg["kind"], data))
    data = {**data, "sent_on": sent_on(data, dt.datetime.now(dt.UTC)), "office": office}
    if msg["kind"] != "invitation":
        subject, body = letters.notice(msg["kind"], data)
        return channels.Content(subject=subject, text=body, message_id=msg["_id"],
                                template=letters.template(msg["kind"], data))
    f = letters.fields(data)
    if msg["channel"] == "email":
        return channels.Content(subject=f"{f['subject']}: {f['event']}", text=letters.text(data),
                                html=letters.html_letter(data), message_id=msg["_id"],
                                attachments=[("surat-undangan.pdf", "application/pdf", letter_pdf(msg["_id"], data, f, papers))])
    return channels.Content(subject=f["subject"], text=letters.short_text(data), message_id=msg["_id"],
                            template=letters.template("invitation", data))


def letter_pdf(document_id: str, data: dict[str, Any], f: dict[str, Any], papers: Papers | None) -> bytes:
    """The invitation letter's PDF, signed by its office with its verification record kept."""
    if papers is None:
        return letters.pdf(data, letter_fonts())
    region = office_region(data)
    verification = papers.verification(document_id)
    made = letters.pdf(data, letter_fonts(), verification=verification, signing=papers.signing(region))
    papers.record(documents.record(
        code_=verification.code, kind="surat_undangan", document_id=document_id, number=f["number"],
        dated=data["sent_on"], office_region=region, office_name=f["office_name"], addressee=f["to"],
        title=f"{f['subject']}: {f['event']}", pdf=made, now=dt.datetime.now(dt.UTC)))
    return made


def send(ports: Ports, message_id: str) -> dict:
    """One message, under the trace of the event that made it (its log lines and events carry it)."""
    return _traced_send(ports, message_id, ports.store.get(message_id))


def send_many(ports: Ports, message_ids: list[str]) -> list[dict]:
    """Several messages, read with one command and then sent one after another, each with its own
    claim and status: a worker killed midway leaves those it finished settled and the rest to the
    redelivered task (or recovery)."""
    found = ports.store.get_many(message_ids)
    with ports.store.hints_batched([mid for mid in message_ids if mid in found]):
        return [_traced_send(ports, mid, found.get(mid)) for mid in message_ids]


def _traced_send(ports: Ports, message_id: str, msg: dict | None) -> dict:
    with tracing.continued((msg or {}).get("traceparent"), f"send {(msg or {}).get('channel', 'message')}",
                           **{"kesbang.message_id": message_id}):
        return _send(ports, message_id, msg)


def _send(ports: Ports, message_id: str, msg: dict | None) -> dict:
    store, config = ports.store, ports.config
    now = dt.datetime.now(dt.UTC)
    stale = now - dt.timedelta(seconds=config.recover_after_seconds)
    if msg is None or msg["status"] in messages.FINAL or msg["status"] == "unreachable":
        return {"message_id": message_id, "status": msg["status"] if msg else "missing"}
    quiet = None if msg.get("urgent") else messages.quiet_until(msg["channel"], now, msg.get("zone") or "WIB",
                                                                (config.quiet_from, config.quiet_until))
    if quiet is not None:  # night in the recipient's zone: WhatsApp and SMS wait for the morning
        store.wait(message_id, quiet, now, note="quiet hours")  # recover() leaves it alone till then
        ports.later(message_id, min(quiet - now, QUIET_STEP).total_seconds())
        return {"message_id": message_id, "status": "waiting", "until": quiet.isoformat()}
    token = uuid.uuid4().hex
    claimed = store.claim(message_id, token, now, stale)
    if claimed is None:
        gone = store.mark_unconfirmed(message_id, now, stale)
        return {"message_id": message_id, "status": "unconfirmed" if gone else "taken"}
    wait = ports.limiter().acquire(msg["channel"])
    if wait > 0:
        store.settle(message_id, token, status="queued", now=now, note="rate limit",
                     requeue_at=now + dt.timedelta(seconds=wait), claimed=claimed)
        ports.later(message_id, wait)
        return {"message_id": message_id, "status": "throttled"}
    handed = []

    def committing() -> None:
        handed.append(True)
        store.handed(message_id, token, dt.datetime.now(dt.UTC))

    try:  # "handed" is written at the channel's commit point (see channels.py)
        try:
            payload = claimed.get("payload") or {}
            office = store.office(office_region(payload)) if payload.get("kegiatan") else None
            body = content(claimed, office, ports.papers)
        except (letters.LetterError, KeyError, TypeError, ValueError) as e:  # a letter that cannot be written
            raise channels.Permanent(f"the letter cannot be written: {e!r}"[:500]) from None
        provider_id = ports.channel(msg["channel"]).send(claimed["to"], body, committing=committing)
    except channels.RateLimited as e:
        ports.limiter().block(msg["channel"], e.retry_after)
        store.settle(message_id, token, status="queued", now=now, reason=str(e),
                     requeue_at=now + dt.timedelta(seconds=e.retry_after), claimed=claimed)
        ports.later(message_id, e.retry_after)
        return {"message_id": message_id, "status": "rate_limited"}
    except channels.Transient as e:
        return retry_or_give_up(ports, claimed, token, now, str(e))
    except channels.Permanent as e:
        store.settle(message_id, token, status="failed", now=now, event_status="failed", reason=str(e), claimed=claimed)
        fall_back(ports, claimed, now)
        return {"message_id": message_id, "status": "failed", "reason": str(e)}
    except Exception as e:  # noqa: BLE001 — every exception settles the message, or it is re-claimed forever
        reason = f"{type(e).__name__}: {e}"[:500]
        if handed or isinstance(e, channels.Unconfirmed):  # it may have gone out: not sent again
            log.warning("message %s handed to the provider, then %s", message_id, reason)
            store.settle(message_id, token, status="sent", now=dt.datetime.now(dt.UTC), event_status="sent",
                         reason=f"unconfirmed: {reason}", unconfirmed=True, claimed=claimed)
            return {"message_id": message_id, "status": "sent", "unconfirmed": True}
        log.exception("message %s: unexpected error before it was handed over", message_id)
        return retry_or_give_up(ports, claimed, token, now, reason)
    store.settle(message_id, token, status="sent", now=dt.datetime.now(dt.UTC), provider_id=provider_id,
                 event_status="sent", claimed=claimed)
    if msg["channel"] != "email":  # the provider's status webhooks name its own id
        store.remember_provider_id(provider_id, message_id)
    return {"message_id": message_id, "status": "sent"}


def retry_or_give_up(ports: Ports, claimed: dict[str, Any], token: str, now: dt.datetime, reason: str) -> dict:
    """Queued again after a backoff, or dead (and on to the next channel) after the last attempt."""
    store, message_id = ports.store, claimed["_id"]
    if claimed["attempts"] >= ports.config.max_attempts:
        store.settle(message_id, token, status="dead", now=now, event_status="failed",
                     reason=f"gave up after {claimed['attempts']} attempts: {reason}", claimed=claimed)
        fall_back(ports, claimed, now)
        return {"message_id": message_id, "status": "dead"}
    wait = messages.backoff(claimed["attempts"])
    store.settle(message_id, token, status="queued", now=now, reason=reason, requeue_at=now + dt.timedelta(seconds=wait),
                 claimed=claimed)
    ports.later(message_id, wait)
    return {"message_id": message_id, "status": "retrying", "in": wait}


def fall_back(ports: Ports, msg: dict[str, Any], now: dt.datetime) -> None:
    """A permanently failed message goes to the recipient's next channel, once."""
    store = ports.store
    variant = msg.get("variant") or ""
    tried = {c for c in messages.CHANNELS
             if store.exists(messages.message_id(msg["participant_id"], msg["kind"], c) + variant)}
    nxt = messages.next_channel(msg["channel"], msg.get("available") or {}, tried | {msg["channel"]})
    if nxt is None:
        return
    doc = {k: v for k, v in msg.items() if k not in ("_id", "channel", "to", "status", "history", "claim",
                                                     "handed_at", "provider_id", "error", "attempts")}
    doc.update(_id=messages.message_id(msg["participant_id"], msg["kind"], nxt) + variant, channel=nxt, to=msg["available"][nxt],
               status="queued", attempts=0, claim=None, handed_at=None, provider_id=None, error=None,
               fallback_of=msg["_id"], created_at=now, updated_at=now, enqueued_at=now, not_before=None,
               history=[{"at": now, "status": "queued", "note": f"fallback after {msg['channel']} failed"}])
    if store.insert_if_new(doc):  # else already there (a retried fallback)
        ports.enqueue(doc["_id"])


def recover(ports: Ports, *, broker_idle: bool) -> list[str]:
    """Enqueues again the messages nobody is working on (their task was lost with a killed
    worker, or never enqueued because the consumer died between writing and enqueueing). Each is
    enqueued again at most once per ``recover_after_seconds``."""
    now = dt.datetime.now(dt.UTC)
    stuck = ports.store.stuck(now, now - dt.timedelta(seconds=ports.config.recover_after_seconds),
                              broker_idle=broker_idle)
    ports.store.mark_recovered(stuck, now)
    for mid in stuck:
        ports.enqueue(mid)
    if stuck:
        log.warning("re-enqueued %d stuck messages", len(stuck))
    return stuck


def reminders(ports: Ports) -> int:
    """Three days and one day before a kegiatan: a reminder to those attending and those who have
    not answered (each once: the message ids are deterministic). Not to someone invited in the
    last 12 hours, who has just read the invitation."""
    store = ports.store
    now = dt.datetime.now(dt.UTC)
    created = 0
    for k in store.kegiatan_ahead():
        left = dt.datetime.fromisoformat(k["starts_at"].replace("Z", "+00:00")) - now
        kind = next((name for name, window in REMINDERS if dt.timedelta(0) < left <= window), None)
        if kind is None:
            continue
        docs = []
        for p in store.invitations_of(k["_id"]):
            if p.get("attending") is False or \
                    now - p.get("invited_at", now) < dt.timedelta(seconds=ports.config.reminder_grace_seconds):
                continue
            docs += messages.for_notice(p["invited"], kind, now, kegiatan=k)
        new = [d["_id"] for d in docs if store.insert_if_new(d)]  # the others were sent at an earlier run
        for mid in new:
            ports.enqueue(mid)
        created += len(new)
    return created
