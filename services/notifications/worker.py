"""Notifications' Celery app and tasks (``celery -A services.notifications.worker worker``): each
task runs one use case of ``application/delivery.py`` with this process's ports — send one message,
enqueue again what a killed worker left (beat, every minute), the reminders (beat). Tasks ack late,
are rejected back to the queue when their worker is lost, and are prefetched one at a time."""

from __future__ import annotations

import os
from typing import Any

import redis
from celery.signals import worker_process_init
from prometheus_client import Counter

from services.notifications.adapters import channels
from services.notifications.adapters.ratelimit import RateLimiter
from services.notifications.adapters.signing import OfficeKeys
from services.notifications.adapters.store import MessageStore
from services.notifications.application import delivery
from services.notifications.settings import Settings
from shared.celery_app import make_celery

settings = Settings()
app = make_celery(settings, queue="notifications")
app.conf.beat_schedule = {
    "recover-stuck-messages": {"task": "notifications.recover", "schedule": settings.recover_every_seconds},
    "reminders": {"task": "notifications.reminders", "schedule": settings.reminders_every_seconds},
}

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
        _state[key] = (channels.WhatsApp(settings, window_open=_store().whatsapp_window_open) if name == "whatsapp"
                       else {"email": channels.Email, "sms": channels.Sms}[name](settings))
    return _state[key]


def _ports() -> delivery.Ports:
    store = _store()  # first: a new process starts from an empty state
    if "papers" not in _state:
        _state["papers"] = delivery.papers_of(settings, OfficeKeys(settings.signing_keys_dir), store.record_document)
    return delivery.Ports(store=store, limiter=_limiter, channel=_channel, later=_later,
                          enqueue=lambda mid: send.delay(mid), config=settings, papers=_state["papers"])


def _later(message_id: str, seconds: float) -> None:
    send.apply_async(args=[message_id], countdown=max(0.0, seconds))


MESSAGES = Counter("kesbang_notifications_messages_total", "Messages a worker finished a send of, by outcome",
                   ["outcome"])


def _counted(result: dict) -> dict:
    MESSAGES.labels(outcome=result.get("status", "unknown")).inc()
    return result


@app.task(name="notifications.send")
def send(message_id: str) -> dict:
    return _counted(delivery.send(_ports(), message_id))


@app.task(name="notifications.send_many")
def send_many(message_ids: list[str]) -> list[dict]:
    return [_counted(r) for r in delivery.send_many(_ports(), message_ids)]


@app.task(name="notifications.fall_back")
def fall_back(message_id: str) -> dict:
    """A message the provider failed after taking it (its webhook said so) goes to the next channel."""
    import datetime as dt

    ports = _ports()
    msg = ports.store.get(message_id)
    if msg is None or msg["status"] != "failed":
        return {"message_id": message_id, "fell_back": False}
    delivery.fall_back(ports, msg, dt.datetime.now(dt.UTC))
    return {"message_id": message_id, "fell_back": True}


@app.task(name="notifications.recover")
def recover() -> dict:
    with app.connection_for_write() as conn:
        waiting = conn.default_channel.client.llen(app.conf.task_default_queue)
    return {"recovered": len(delivery.recover(_ports(), broker_idle=waiting == 0))}


@app.task(name="notifications.reminders")
def reminders() -> dict:
    return {"reminders": delivery.reminders(_ports())}
