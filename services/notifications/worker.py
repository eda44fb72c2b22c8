"""Notifications' Celery app and tasks (``celery -A services.notifications.worker worker``).

``notifications.send`` sends one message: it claims the message record, waits out quiet hours and
the shared rate limit, writes the letter, marks the message as handed to the provider, calls the
channel, and settles the record (sent, retry with backoff and jitter, failed with the reason and
fallback to the next channel, or dead after the last attempt). Tasks ack late, are rejected back to
the queue when their worker is lost, and are prefetched one at a time; ``notifications.recover``
(beat, every minute) enqueues again what a killed worker left behind."""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from typing import Any

import redis
from celery.signals import worker_process_init

from services.notifications.adapters import channels
from services.notifications.adapters.ratelimit import RateLimiter
from services.notifications.adapters.store import MessageStore
from services.notifications.domain import letters, messages
from services.notifications.settings import Settings
from shared.celery_app import make_celery

log = logging.getLogger(__name__)
settings = Settings()
app = make_celery(settings, queue="notifications")
app.conf.beat_schedule = {
    "recover-stuck-messages": {"task": "notifications.recover", "schedule": settings.recover_every_seconds},
    "reminders": {"task": "notifications.reminders", "schedule": settings.reminders_every_seconds},
}
QUIET_STEP = dt.timedelta(hours=5)  # a countdown stays below the broker's visibility timeout

_state: dict[str, Any] = {}


@worker_process_init.connect(weak=False)
def _fresh_connections(**_):
    _state.clear()  # a forked pool process opens its own database, Redis and SMTP connections


def _store() -> MessageStore:
    if _state.get("pid") != os.getpid():
        _state.clear()
        _state["pid"] = os.getpid()
    if "store" not in _state:
        _state["store"] = MessageStore(settings.mongo_url, settings.mongo_db)
    return _state["store"]


def _limiter() -> RateLimiter:
    _store()
    if "limiter" not in _state:
        _state["limiter"] = RateLimiter(redis.Redis.from_url(settings.redis_url),
                                        {"email": settings.rate_email, "whatsapp": settings.rate_whatsapp,
                                         "sms": settings.rate_sms})
    return _state["limiter"]


def _channel(name: str) -> channels.Channel:
    _store()
    key = f"channel:{name}"
    if key not in _state:
        _state[key] = {"email": channels.Email, "whatsapp": channels.WhatsApp, "sms": channels.Sms}[name](settings)
    return _state[key]


def content(msg: dict[str, Any]) -> channels.Content:
    """What the message says on its channel (the letter data was checked at preview and publish)."""
    data = msg["payload"]
    if msg["kind"].startswith("skt_expiry"):
        subject, body = letters.skt_notice(data)
        return channels.Content(subject=subject, text=body, message_id=msg["_id"])
    if msg["kind"] != "invitation":
        subject, body = letters.notice(msg["kind"], data)
        return channels.Content(subject=subject, text=body, message_id=msg["_id"])
    f = letters.fields(data)
    if msg["channel"] == "email":
        return channels.Content(subject=f"{f['subject']}: {f['event']}", text=letters.text(data),
                                html=letters.html_letter(data), message_id=msg["_id"],
                                attachments=[("surat-undangan.pdf", "application/pdf", letters.pdf(data))])
    return channels.Content(subject=f["subject"], text=letters.short_text(data), message_id=msg["_id"])


def _later(message_id: str, seconds: float) -> None:
    send.apply_async(args=[message_id], countdown=max(0.0, seconds))


@app.task(name="notifications.send")
def send(message_id: str) -> dict:
    store = _store()
    now = dt.datetime.now(dt.UTC)
    stale = now - dt.timedelta(seconds=settings.recover_after_seconds)
    msg = store.get(message_id)
    if msg is None or msg["status"] in messages.FINAL or msg["status"] == "unreachable":
        return {"message_id": message_id, "status": msg["status"] if msg else "missing"}
    quiet = messages.quiet_until(msg["channel"], now, msg.get("zone") or "WIB", (settings.quiet_from, settings.quiet_until))
    if quiet is not None:  # night in the recipient's zone: WhatsApp and SMS wait for the morning
        store.wait(message_id, quiet, now, note="quiet hours")  # recover() leaves it alone till then
        _later(message_id, min(quiet - now, QUIET_STEP).total_seconds())
        return {"message_id": message_id, "status": "waiting", "until": quiet.isoformat()}
    token = uuid.uuid4().hex
    claimed = store.claim(message_id, token, now, stale)
    if claimed is None:
        gone = store.mark_unconfirmed(message_id, now, stale)
        return {"message_id": message_id, "status": "unconfirmed" if gone else "taken"}
    wait = _limiter().acquire(msg["channel"])
    if wait > 0:
        store.settle(message_id, token, status="queued", now=now, note="rate limit",
                     requeue_at=now + dt.timedelta(seconds=wait))
        _later(message_id, wait)
        return {"message_id": message_id, "status": "throttled"}
    handed = []

    def committing() -> None:
        handed.append(True)
        store.handed(message_id, token, dt.datetime.now(dt.UTC))

    try:  # "handed" is written at the channel's commit point (see channels.py)
        try:
            body = content(claimed)
        except (letters.LetterError, KeyError, TypeError, ValueError) as e:  # a letter that cannot be written
            raise channels.Permanent(f"the letter cannot be written: {e!r}"[:500]) from None
        provider_id = _channel(msg["channel"]).send(claimed["to"], body, committing=committing)
    except channels.RateLimited as e:
        _limiter().block(msg["channel"], e.retry_after)
        store.settle(message_id, token, status="queued", now=now, reason=str(e),
                     requeue_at=now + dt.timedelta(seconds=e.retry_after))
        _later(message_id, e.retry_after)
        return {"message_id": message_id, "status": "rate_limited"}
    except channels.Transient as e:
        return _retry_or_give_up(claimed, token, now, str(e))
    except channels.Permanent as e:
        store.settle(message_id, token, status="failed", now=now, event_status="failed", reason=str(e))
        _fall_back(claimed, now)
        return {"message_id": message_id, "status": "failed", "reason": str(e)}
    except Exception as e:  # noqa: BLE001 — every exception settles the message, or it is re-claimed forever
        reason = f"{type(e).__name__}: {e}"[:500]
        if handed or isinstance(e, channels.Unconfirmed):  # it may have gone out: not sent again
            log.warning("message %s handed to the provider, then %s", message_id, reason)
            store.settle(message_id, token, status="sent", now=dt.datetime.now(dt.UTC), event_status="sent",
                         reason=f"unconfirmed: {reason}", unconfirmed=True)
            return {"message_id": message_id, "status": "sent", "unconfirmed": True}
        log.exception("message %s: unexpected error before it was handed over", message_id)
        return _retry_or_give_up(claimed, token, now, reason)
    store.settle(message_id, token, status="sent", now=dt.datetime.now(dt.UTC), provider_id=provider_id,
                 event_status="sent")
    if msg["channel"] != "email":  # the provider's status webhooks name its own id
        store.remember_provider_id(provider_id, message_id)
    return {"message_id": message_id, "status": "sent"}


def _retry_or_give_up(claimed: dict[str, Any], token: str, now: dt.datetime, reason: str) -> dict:
    """Queued again after a backoff, or dead (and on to the next channel) after the last attempt."""
    store, message_id = _store(), claimed["_id"]
    if claimed["attempts"] >= settings.max_attempts:
        store.settle(message_id, token, status="dead", now=now, event_status="failed",
                     reason=f"gave up after {claimed['attempts']} attempts: {reason}")
        _fall_back(claimed, now)
        return {"message_id": message_id, "status": "dead"}
    wait = messages.backoff(claimed["attempts"])
    store.settle(message_id, token, status="queued", now=now, reason=reason, requeue_at=now + dt.timedelta(seconds=wait))
    _later(message_id, wait)
    return {"message_id": message_id, "status": "retrying", "in": wait}


def _fall_back(msg: dict[str, Any], now: dt.datetime) -> None:
    """A permanently failed message goes to the recipient's next channel, once."""
    store = _store()
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
        send.delay(doc["_id"])


@app.task(name="notifications.recover")
def recover() -> dict:
    """Enqueues again the messages nobody is working on (their task was lost with a killed
    worker, or never enqueued because the consumer died between writing and enqueueing). Each is
    enqueued again at most once per ``recover_after_seconds``."""
    store = _store()
    now = dt.datetime.now(dt.UTC)
    with app.connection_for_write() as conn:
        waiting = conn.default_channel.client.llen(app.conf.task_default_queue)
    stuck = store.stuck(now, now - dt.timedelta(seconds=settings.recover_after_seconds), broker_idle=waiting == 0)
    store.mark_recovered(stuck, now)
    for mid in stuck:
        send.delay(mid)
    if stuck:
        log.warning("re-enqueued %d stuck messages", len(stuck))
    return {"recovered": len(stuck)}


REMINDERS = (("reminder_1d", dt.timedelta(days=1)), ("reminder_3d", dt.timedelta(days=3)))


@app.task(name="notifications.reminders")
def reminders() -> dict:
    """Three days and one day before a kegiatan: a reminder to those attending and those who have
    not answered (each once: the message ids are deterministic). Not to someone invited in the
    last 12 hours, who has just read the invitation."""
    store = _store()
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
                    now - p.get("invited_at", now) < dt.timedelta(seconds=settings.reminder_grace_seconds):
                continue
            docs += messages.for_notice(p["invited"], kind, now, kegiatan=k)
        new = [d["_id"] for d in docs if store.insert_if_new(d)]  # the others were sent at an earlier run
        for mid in new:
            send.delay(mid)
        created += len(new)
    return {"reminders": created}
