"""Notifications' Celery app and tasks (``celery -A services.notifications.worker worker``)."""

from __future__ import annotations

import logging

from services.notifications.adapters import smtp
from services.notifications.settings import Settings
from shared.celery_app import make_celery

log = logging.getLogger(__name__)
settings = Settings()
app = make_celery(settings, queue="notifications")
app.conf.beat_schedule = {}  # reminders and SKT-expiry notices are scheduled here


@app.task(name="notifications.send_email", bind=True, max_retries=8, autoretry_for=(smtp.TransientFailure,),
          retry_backoff=2, retry_backoff_max=600, retry_jitter=True)
def send_email(self, *, message_id: str, to: str, subject: str, text: str) -> dict:
    try:
        provider_id = smtp.send_email(settings, to=to, subject=subject, text=text, message_id=message_id)
    except smtp.PermanentFailure as e:
        log.error("e-mail refused for good", extra={"message_id": message_id, "reason": str(e)})
        return {"message_id": message_id, "status": "failed", "reason": str(e)}
    log.info("e-mail sent", extra={"message_id": message_id})
    return {"message_id": message_id, "status": "sent", "provider_id": provider_id}
