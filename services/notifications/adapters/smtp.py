"""The e-mail channel: SMTP with settings-supplied host and credentials."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from services.notifications.settings import Settings


class PermanentFailure(Exception):
    """The provider refused the message for good (a 5xx SMTP answer): do not retry."""


class TransientFailure(Exception):
    """The provider could not take the message now (4xx, connection refused): retry later."""


def send_email(settings: Settings, *, to: str, subject: str, text: str, message_id: str) -> str:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(idstring=message_id, domain="kesbang.localhost")
    msg["X-Kesbang-Message"] = message_id
    msg.set_content(text)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(msg)
    except smtplib.SMTPResponseException as e:
        if 500 <= e.smtp_code < 600:
            raise PermanentFailure(f"{e.smtp_code} {e.smtp_error!r}") from None
        raise TransientFailure(f"{e.smtp_code} {e.smtp_error!r}") from None
    except (OSError, smtplib.SMTPException) as e:
        raise TransientFailure(repr(e)) from None
    return msg["Message-ID"]
