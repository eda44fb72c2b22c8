"""Local stand-ins for the WhatsApp Business Cloud API, an SMS HTTP gateway and a tracing backend.

`make run` and the tests point notifications at it; it keeps every accepted message as one JSON
line in ``<dir>/whatsapp.jsonl`` or ``<dir>/sms.jsonl``. The recipient's last digits choose an
answer, so tests can reach each path of a real provider:

- ``…0429``: WhatsApp error 130429 (throughput reached) / SMS HTTP 429 with Retry-After, twice,
  then accepted;
- ``…0400``: refused for good (HTTP 400, WhatsApp error 131026 "message undeliverable");
- ``…0500``: HTTP 503 twice, then accepted.

As the Cloud API does, WhatsApp takes a business-initiated message only as an approved template
(the default names of ``NOTIFICATIONS_WHATSAPP_TEMPLATES``, in ``id``, each with its number of body
parameters): an unknown template or language answers error 132001, a wrong number of parameters
132000, and free text to a number that has not written in the last 24 hours 131047
(``POST /sandbox/whatsapp/inbound {"from"}`` stands for that number's own message).

The tracing backend takes OTLP/HTTP as a collector does (``POST /v1/traces``, protobuf) and keeps
each span as one JSON line in ``<dir>/traces.jsonl``: trace and span ids, parent, name, kind, the
process's ``service.name``.

Run: ``python -m deploy.local.provider_sandbox --port 18090 --dir .data/providers``. WhatsApp is
served under ``/{graph version}/{phone_number_id}/messages``, SMS under ``/sms/messages``."""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
import uuid
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response


def create_app(directory: Path) -> FastAPI:
    app = FastAPI(title="provider sandbox")
    seen: dict[str, int] = {}
    lock = threading.Lock()

    def attempt(key: str) -> int:
        with lock:
            seen[key] = seen.get(key, 0) + 1
            return seen[key]

    def keep(channel: str, record: dict) -> None:
        with lock, (directory / f"{channel}.jsonl").open("a") as f:
            f.write(json.dumps(record) + "\n")

    from services.notifications.domain.letters import TEMPLATE_PARAMETERS
    from services.notifications.settings import Settings

    approved = {name: TEMPLATE_PARAMETERS[kind] for kind, name in Settings.model_fields["whatsapp_templates"].default.items()}
    windows: dict[str, float] = {}

    def refused(code: int, message: str) -> JSONResponse:
        return JSONResponse({"error": {"message": message, "type": "OAuthException", "code": code,
                                       "error_data": {"messaging_product": "whatsapp", "details": message}}},
                            status_code=400)

    @app.post("/sandbox/whatsapp/inbound")
    async def inbound(request: Request):
        windows[str((await request.json()).get("from", ""))] = time.time()
        return {"ok": True}

    @app.post("/{version}/{phone_number_id}/messages")
    async def whatsapp(version: str, phone_number_id: str, request: Request):
        known = re.fullmatch(r"v([0-9]+)\.0", version)
        if known is None or int(known.group(1)) < 21:  # v20.0 was retired in September 2026
            return JSONResponse({"error": {"message": f"Unknown path components: /{version}", "code": 2500}},
                                status_code=400)
        if request.headers.get("authorization", "") == "":
            return JSONResponse({"error": {"message": "no token", "code": 190}}, status_code=401)
        body = await request.json()
        to = str(body.get("to", ""))
        if body.get("type") == "template":
            t = body.get("template") or {}
            params = [p.get("text") for c in t.get("components") or [] if c.get("type") == "body"
                      for p in c.get("parameters") or []]
            if t.get("name") not in approved or (t.get("language") or {}).get("code") != "id":
                return refused(132001, "Template name does not exist in the translation")
            if len(params) != approved[t["name"]]:
                return refused(132000, "Number of parameters does not match the expected number of params")
            text = " · ".join(str(p) for p in params)
        elif body.get("type") == "text":
            if time.time() - windows.get(to, 0) > 24 * 3600:
                return refused(131047, "Re-engagement message: more than 24 hours have passed since the "
                                       "recipient last replied")
            t, text = {}, (body.get("text") or {}).get("body", "")
        else:
            return refused(100, "Invalid parameter")
        key = f"wa:{to}:{text[:60]}"
        if to.endswith("0400"):
            return JSONResponse({"error": {"message": "Message undeliverable", "code": 131026}}, status_code=400)
        if to.endswith("0429") and attempt(key) <= 2:
            return JSONResponse({"error": {"message": "Rate limit hit", "code": 130429}}, status_code=400,
                                headers={"Retry-After": "1"})
        if to.endswith("0500") and attempt(key) <= 2:
            return JSONResponse({"error": {"message": "temporarily unavailable"}}, status_code=503)
        wamid = f"wamid.{uuid.uuid4().hex}"
        keep("whatsapp", {"id": wamid, "to": to, "type": body["type"], "template": t.get("name"), "text": text,
                          "at": time.time()})
        return {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}], "messages": [{"id": wamid}]}

    @app.post("/sms/messages")
    async def sms(request: Request):
        body = await request.json()
        to = str(body.get("to", ""))
        key = f"sms:{to}:{body.get('reference')}"
        if to.endswith("0400"):
            return JSONResponse({"error": "invalid destination"}, status_code=400)
        if to.endswith("0429") and attempt(key) <= 2:
            return JSONResponse({"error": "slow down"}, status_code=429, headers={"Retry-After": "1"})
        if to.endswith("0500") and attempt(key) <= 2:
            return JSONResponse({"error": "gateway busy"}, status_code=503)
        sid = uuid.uuid4().hex
        keep("sms", {"id": sid, "to": to, "text": body.get("text"), "reference": body.get("reference"), "at": time.time()})
        return {"id": sid, "status": "accepted"}

    @app.post("/v1/traces")
    async def traces(request: Request):
        import gzip

        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
            ExportTraceServiceResponse,
        )

        body = await request.body()
        if request.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        export = ExportTraceServiceRequest.FromString(body)
        lines = []
        for rs in export.resource_spans:
            service = next((a.value.string_value for a in rs.resource.attributes if a.key == "service.name"), "")
            for ss in rs.scope_spans:
                lines += [json.dumps({"trace_id": s.trace_id.hex(), "span_id": s.span_id.hex(),
                                      "parent_span_id": s.parent_span_id.hex() or None, "name": s.name,
                                      "kind": s.kind, "service": service, "scope": ss.scope.name,
                                      "start_ns": s.start_time_unix_nano}) + "\n" for s in ss.spans]
        with lock, (directory / "traces.jsonl").open("a") as f:
            f.writelines(lines)
        return Response(ExportTraceServiceResponse().SerializeToString(), media_type="application/x-protobuf")

    @app.get("/health")
    async def health():
        return {"status": "ok"}

    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=18090)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    uvicorn.run(create_app(directory), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
