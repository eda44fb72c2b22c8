"""Webhooks of the WhatsApp Business Cloud API, verified by the ``X-Hub-Signature-256`` HMAC of
the body with the app secret; the subscription handshake answers ``hub.challenge`` to the verify
token (two settings). A status moves a message forward only (sent → delivered → read), so a
webhook delivered twice or out of order changes nothing; a late ``failed`` sends the message on to
the recipient's next channel, as a failure at send time does. A recipient's own message opens the
24-hour window in which free text may go instead of a template."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from services.notifications.deps import Config, FallBack, Messages, Relay
from services.notifications.settings import MIN_SECRET
from shared import errors
from shared.web import Unprocessable

router = APIRouter(tags=["webhooks"])


Forbidden = errors.NotAllowed


@router.get("/webhooks/whatsapp", response_class=PlainTextResponse)
async def verify(config: Config, mode: str = Query(alias="hub.mode", max_length=20),
                 token: str = Query(alias="hub.verify_token", max_length=200),
                 challenge: str = Query(alias="hub.challenge", max_length=200)) -> str:
    secret = config.whatsapp_verify_token
    if mode != "subscribe" or len(secret) < MIN_SECRET or not hmac.compare_digest(token, secret):
        raise Forbidden("verification failed")
    return challenge


@router.post("/webhooks/whatsapp")
async def statuses(request: Request, config: Config, messages: Messages, relay: Relay,
                   fall_back: FallBack) -> dict[str, int]:
    body = await request.body()
    secret = config.whatsapp_app_secret.encode()
    if len(secret) < MIN_SECRET:  # anyone can sign with an empty key: no webhook is taken without one
        raise Forbidden("webhooks are off: no webhook secret is configured")
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("x-hub-signature-256", ""), expected):
        raise Forbidden("bad signature")
    try:
        payload = json.loads(body)
        items = [s for e in payload.get("entry", []) for c in e.get("changes", [])
                 for s in (c.get("value") or {}).get("statuses", [])]
        inbound = [m for e in payload.get("entry", []) for c in e.get("changes", [])
                   for m in (c.get("value") or {}).get("messages", [])]
    except (ValueError, AttributeError, TypeError):
        raise Unprocessable("not a WhatsApp webhook payload", errors=[{"field": "(body)", "message": "invalid"}]) from None
    applied = 0
    for s in items:
        # every field is checked for its type before it reaches a query: {"$gt": ""} is not an id
        if not isinstance(s, dict) or s.get("status") not in ("delivered", "read", "failed") or \
                not isinstance(s.get("id"), str) or not 0 < len(s["id"]) <= 200:
            continue
        errors = s.get("errors")
        if errors is not None and not (isinstance(errors, list) and all(isinstance(e, dict) for e in errors)):
            continue
        mid = await messages.message_of_provider_id(s["id"])
        if mid is None:
            continue
        if await messages.apply_provider_status(mid, s["status"], errors, dt.datetime.now(dt.UTC)):
            relay.wake("messages", mid)
            applied += 1
            if s["status"] == "failed":
                await asyncio.to_thread(fall_back, mid)
    for m in inbound:
        if isinstance(m, dict) and isinstance(m.get("from"), str) and m["from"].isdigit() and len(m["from"]) <= 20:
            await messages.recipient_wrote(m["from"], dt.datetime.now(dt.UTC))
    return {"received": len(items), "applied": applied}
