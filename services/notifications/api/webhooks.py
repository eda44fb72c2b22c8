"""Status webhooks of the WhatsApp Business Cloud API: delivered and read (and late failures),
verified by the ``X-Hub-Signature-256`` HMAC of the body with the app secret; the subscription
handshake answers ``hub.challenge``. A status moves a message forward only (sent → delivered →
read), so a webhook delivered twice or out of order changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from services.notifications.adapters.store import delivery_event
from services.notifications.settings import MIN_SECRET
from shared import errors, outbox
from shared.web import Unprocessable

router = APIRouter(tags=["webhooks"])
RANK = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}


Forbidden = errors.NotAllowed


@router.get("/webhooks/whatsapp", response_class=PlainTextResponse)
async def verify(request: Request, mode: str = Query(alias="hub.mode", max_length=20),
                 token: str = Query(alias="hub.verify_token", max_length=200),
                 challenge: str = Query(alias="hub.challenge", max_length=200)) -> str:
    secret = request.app.state.settings.whatsapp_webhook_secret
    if mode != "subscribe" or len(secret) < MIN_SECRET or not hmac.compare_digest(token, secret):
        raise Forbidden("verification failed")
    return challenge


@router.post("/webhooks/whatsapp")
async def statuses(request: Request) -> dict[str, int]:
    body = await request.body()
    secret = request.app.state.settings.whatsapp_webhook_secret.encode()
    if len(secret) < MIN_SECRET:  # anyone can sign with an empty key: no webhook is taken without one
        raise Forbidden("webhooks are off: no webhook secret is configured")
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("x-hub-signature-256", ""), expected):
        raise Forbidden("bad signature")
    try:
        payload = json.loads(body)
        items = [s for e in payload.get("entry", []) for c in e.get("changes", [])
                 for s in (c.get("value") or {}).get("statuses", [])]
    except (ValueError, AttributeError, TypeError):
        raise Unprocessable("not a WhatsApp webhook payload", errors=[{"field": "(body)", "message": "invalid"}]) from None
    db = request.app.state.runtime.db
    applied = 0
    for s in items:
        # every field is checked for its type before it reaches a query: {"$gt": ""} is not an id
        if not isinstance(s, dict) or s.get("status") not in ("delivered", "read", "failed") or \
                not isinstance(s.get("id"), str) or not 0 < len(s["id"]) <= 200:
            continue
        errors = s.get("errors")
        if errors is not None and not (isinstance(errors, list) and all(isinstance(e, dict) for e in errors)):
            continue
        link = await db["provider_ids"].find_one({"_id": s["id"]})
        if link is None:
            continue
        applied += await _apply(request, link["message_id"], s)
    return {"received": len(items), "applied": applied}


async def _apply(request: Request, mid: str, s: dict[str, Any]) -> int:
    coll = request.app.state.runtime.db["messages"]
    msg = await coll.find_one({"_id": mid}, {"payload": 0, outbox.FIELD: 0})
    if msg is None:
        return 0
    now = dt.datetime.now(dt.UTC)
    new = s["status"]
    if new == "failed":
        if msg["status"] not in ("sent", "delivered"):
            return 0
        reason = "; ".join(str(e.get("title") or e.get("code"))[:200] for e in s.get("errors") or [])[:1000] \
            or "failed after sending"
        fields = {"status": "failed", "error": reason}
    elif RANK.get(new, 0) <= RANK.get(msg["status"], 9):
        return 0
    else:
        fields, reason = {"status": new}, None
    r = await coll.update_one({"_id": mid, "status": msg["status"]}, {
        "$set": {**fields, "updated_at": now},
        "$push": {"history": {"at": now, "status": fields["status"], "note": "provider webhook"},
                  outbox.FIELD: delivery_event({**msg, **fields}, fields["status"], now, reason)}})
    if r.modified_count:
        request.app.state.relay.wake("messages", mid)
    return r.modified_count
