"""The channels behind one small interface: ``send(to, content, committing) -> provider message id``.

``committing()`` is called at the last moment before the message is the provider's — for SMTP
after the whole message is written and before the final ``.`` of DATA (a connection dropped
before it is discarded by the server), for HTTP right before the request — so a worker killed
before that point left nothing with the provider and the message may be sent again; after it,
it may have been delivered and is not sent again. The worker's ``committing()`` does not wait for
the database (an unacknowledged write, see ``MessageStore.handed``): between the mark and the
dot there is no round trip in which a killed worker would leave a message marked but never sent.

- e-mail over SMTP (the letter as HTML and text, the PDF attached);
- WhatsApp Business Cloud API over HTTP: an approved template message with the letter's fields as
  its body parameters (a business-initiated free text is refused outside the 24-hour window a
  recipient's own message opens: error 131047), free text only inside that window;
- an SMS HTTP gateway (JSON ``{"to", "text"}``, answering ``{"id"}``).

Each raises ``Transient`` (retry later: connection errors, 5xx, 4xx SMTP), ``RateLimited`` (429 or
WhatsApp error 130429, with the provider's retry-after) or ``Permanent`` (the provider refused this
message for good: 5xx SMTP, HTTP 4xx) — a permanent failure is recorded and falls back to the next
channel, never retried."""

from __future__ import annotations

import datetime as dt
import io
import re
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr, parsedate_to_datetime
from typing import Protocol

import httpx

from services.notifications.settings import Settings


class Transient(Exception):
    pass


class Permanent(Exception):
    pass


class Unconfirmed(Exception):
    """The provider took the message (2xx) but its answer cannot be read: it may have gone out."""


class RateLimited(Transient):
    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class Content:
    subject: str
    text: str
    html: str | None = None
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # (filename, mime type, data)
    message_id: str = ""
    template: tuple[str, list[str]] | None = None  # (kind of message, body parameters) for WhatsApp


def _nothing() -> None:
    return None


class Channel(Protocol):
    name: str

    def send(self, to: str, content: Content, committing: Callable[[], None] = _nothing) -> str: ...


class Email:
    name = "email"

    def __init__(self, settings: Settings):
        self.s = settings
        self._smtp: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = smtplib.SMTP(self.s.smtp_host, self.s.smtp_port, timeout=self.s.smtp_timeout)
            # the final dot is a small write after the message's: with Nagle's algorithm it waits
            # for the server's delayed ACK of the last segment (40 ms per message on Linux)
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.s.smtp_starttls:
                smtp.starttls()
            if self.s.smtp_user:
                smtp.login(self.s.smtp_user, self.s.smtp_password or "")
            self._smtp = smtp
        return self._smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._smtp = None

    def send(self, to: str, content: Content, committing: Callable[[], None] = _nothing) -> str:
        msg = EmailMessage()
        msg["From"] = self.s.mail_from
        msg["To"] = to
        msg["Subject"] = content.subject
        msg["Message-ID"] = make_msgid(idstring=content.message_id.replace(":", "."), domain="kesbang.localhost")
        msg["X-Kesbang-Message"] = content.message_id
        msg.set_content(content.text)
        if content.html:
            msg.add_alternative(content.html, subtype="html")
        for filename, mime, data in content.attachments:
            maintype, subtype = mime.split("/", 1)
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        try:
            self._transact(self._connection(), to, msg, committing)
        except smtplib.SMTPRecipientsRefused as e:
            code = next(iter(e.recipients.values()))[0]
            self._reset_after_error()
            if 500 <= code < 600:
                raise Permanent(f"recipient refused: {code}") from None
            raise Transient(f"recipient deferred: {code}") from None
        except smtplib.SMTPResponseException as e:
            self._reset_after_error()
            if 500 <= e.smtp_code < 600:
                raise Permanent(f"{e.smtp_code} {e.smtp_error!r}") from None
            raise Transient(f"{e.smtp_code} {e.smtp_error!r}") from None
        except (OSError, smtplib.SMTPException) as e:
            self.close()
            raise Transient(repr(e)) from None
        return msg["Message-ID"]

    def _transact(self, smtp: smtplib.SMTP, to: str, msg: EmailMessage, committing: Callable[[], None]) -> None:
        """One SMTP transaction, written out so that ``committing()`` runs between the message's
        last line and the final dot: the server keeps nothing of a DATA that never ended."""
        out = io.BytesIO()
        BytesGenerator(out, policy=msg.policy.clone(linesep="\r\n")).flatten(msg)
        data = re.sub(rb"(?m)^\.", b"..", out.getvalue())  # dot-stuffing
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        smtp.ehlo_or_helo_if_needed()
        eight_bit = not data.isascii() and smtp.has_extn("8bitmime")
        code, reply = smtp.mail(parseaddr(self.s.mail_from)[1], ["BODY=8BITMIME"] if eight_bit else [])
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, self.s.mail_from)
        code, reply = smtp.rcpt(to)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
        code, reply = smtp.docmd("data")
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        smtp.send(data)
        try:
            committing()
        except BaseException:
            self.close_abruptly()  # no final dot: the server discards the message
            raise
        smtp.send(b".\r\n")
        code, reply = smtp.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)

    def close_abruptly(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            except OSError:
                pass
            self._smtp = None

    def _reset_after_error(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()


def retry_after(value: str | None, *, now: dt.datetime | None = None, default: float = 5.0) -> float:
    """Seconds to wait from a Retry-After header in either of its forms (RFC 9110 §10.2.3):
    delta-seconds (``120``) or an HTTP date (``Wed, 21 Oct 2026 07:28:00 GMT``); within 1 s – 1 h."""
    if not value or not value.strip():
        return default
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - (now or dt.datetime.now(dt.UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return default
    return min(max(seconds, 1.0), 3600.0)


def _http_errors(r: httpx.Response, provider: str) -> None:
    if r.status_code == 429:
        raise RateLimited(f"{provider}: 429", retry_after(r.headers.get("Retry-After")))
    if r.status_code >= 500:
        raise Transient(f"{provider}: {r.status_code}")
    if r.status_code >= 400:
        raise Permanent(f"{provider}: {r.status_code} {r.text[:200]}")


class WhatsApp:
    """WhatsApp Business Cloud API: POST {base}/{graph version}/{phone_number_id}/messages.
    ``window_open(phone)``: whether the recipient wrote to us in the last 24 hours (the webhook
    records it), when free text may go instead of the template."""

    name = "whatsapp"

    def __init__(self, settings: Settings, client: httpx.Client | None = None,
                 window_open: Callable[[str], bool] = lambda phone: False):
        self.s = settings
        self.http = client or httpx.Client(timeout=15)
        self.window_open = window_open

    def body(self, to: str, content: Content) -> dict:
        """The request body: the kind's approved template with its parameters, or free text."""
        phone = to.lstrip("+")
        base = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": phone}
        name = self.s.whatsapp_templates.get(content.template[0]) if content.template else None
        if name and not self.window_open(phone):
            return {**base, "type": "template", "template": {
                "name": name, "language": {"code": self.s.whatsapp_template_language},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": _param(p)}
                                                               for p in content.template[1]]}]}}
        if content.template and not name and not self.window_open(phone):
            raise Permanent(f"whatsapp: no template is configured for {content.template[0]} messages")
        return {**base, "type": "text", "text": {"preview_url": True, "body": content.text}}

    def send(self, to: str, content: Content, committing: Callable[[], None] = _nothing) -> str:
        if not (self.s.whatsapp_api_url and self.s.whatsapp_phone_number_id and self.s.whatsapp_token):
            raise Permanent("whatsapp: not configured on this installation")
        url = (f"{self.s.whatsapp_api_url.rstrip('/')}/{self.s.whatsapp_graph_version}/"
               f"{self.s.whatsapp_phone_number_id}/messages")
        body = self.body(to, content)
        committing()
        try:
            r = self.http.post(url, headers={"Authorization": f"Bearer {self.s.whatsapp_token}"}, json=body)
        except httpx.HTTPError as e:
            raise Transient(f"whatsapp: {e!r}") from None
        if r.status_code == 400:
            error = ((r.json() if r.headers.get("content-type", "").startswith("application/json") else {})
                     .get("error") or {})
            if error.get("code") == 130429:  # throughput reached: a rate limit, not a refusal
                raise RateLimited("whatsapp: 130429 rate limit hit", retry_after(r.headers.get("Retry-After")))
            if error.get("code") in (131047, 132000, 132001, 132012):  # window closed; template unknown or misfilled
                raise Permanent(f"whatsapp: {error.get('code')} {str(error.get('message'))[:200]}")
        _http_errors(r, "whatsapp")
        try:
            return str(r.json()["messages"][0]["id"])
        except (ValueError, KeyError, IndexError, TypeError):
            raise Unconfirmed(f"whatsapp: accepted without a message id: {r.text[:200]}") from None


def _param(value: str) -> str:
    """A template parameter: no newline or tab, no run of more than four spaces (the API refuses
    them, error 132018), at most 1024 characters."""
    return re.sub(r" {5,}", "    ", re.sub(r"[\n\t]+", " ", value)).strip()[:1024] or "-"


class Sms:
    """An SMS HTTP gateway: POST {base}/messages {"to", "text"} with an API key → {"id"}."""

    name = "sms"

    def __init__(self, settings: Settings, client: httpx.Client | None = None):
        self.s = settings
        self.http = client or httpx.Client(timeout=15)

    def send(self, to: str, content: Content, committing: Callable[[], None] = _nothing) -> str:
        if not (self.s.sms_api_url and self.s.sms_api_key):
            raise Permanent("sms: no gateway configured on this installation")
        committing()
        try:
            r = self.http.post(f"{self.s.sms_api_url.rstrip('/')}/messages", headers={"X-Api-Key": self.s.sms_api_key},
                               json={"to": to, "text": content.text[:459], "reference": content.message_id})
        except httpx.HTTPError as e:
            raise Transient(f"sms: {e!r}") from None
        _http_errors(r, "sms")
        try:
            return str(r.json()["id"])
        except (ValueError, KeyError, TypeError):
            raise Unconfirmed(f"sms: accepted without a message id: {r.text[:200]}") from None
