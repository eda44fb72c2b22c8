"""Traces with OpenTelemetry, one trace from a person's request to the last effect it has.

Every process calls ``setup`` once, where it configures its logging. Requests are
traced by the FastAPI instrumentation, database commands by PyMongo's, outgoing HTTP by httpx's and
Celery tasks by Celery's (the context rides in the task's headers). Kafka and MongoDB carry the
context as W3C ``traceparent``: a write stores the current one in the events it raises
(``current_traceparent``), the producer sends it as the message header, and a consumer continues
the trace from it (``continued``); work parked in a document (an invitation fan-out, a message
waiting for its worker) keeps its ``traceparent`` there and continues it the same way. Spans are
exported over OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``…_TRACES_ENDPOINT``) is set;
without it they still give every log line its ``trace_id`` (``shared/logs.py``). Statements are not
recorded: they would carry personal data. ``OTEL_SDK_DISABLED=true`` turns all of it off: no
provider, no instrumentation (what the bench compares against)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_set_up = False
tracer = trace.get_tracer("kesbang")


def enabled() -> bool:
    return os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() != "true"


def setup(service: str) -> None:
    """The tracer provider and the library instrumentations of this process (once; a forked Celery
    pool process inherits them, and the SDK restarts the exporter's thread in it)."""
    global _set_up
    if _set_up or not enabled():
        return
    _set_up = True
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

    PymongoInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    CeleryInstrumentor().instrument()


def instrument_app(app) -> None:
    if not enabled():
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="/health,/metrics", exclude_spans=["receive", "send"])


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the span in progress, to store with the work it starts."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None


@contextlib.contextmanager
def continued(traceparent: str | bytes | None, name: str, *,
              kind: trace.SpanKind = trace.SpanKind.INTERNAL, **attributes) -> Iterator[trace.Span]:
    """A span that continues the trace ``traceparent`` names (a new trace when it names none)."""
    if isinstance(traceparent, bytes):
        traceparent = traceparent.decode(errors="replace")
    parent = propagate.extract({"traceparent": traceparent} if traceparent else {})
    token = context.attach(parent)
    try:
        with tracer.start_as_current_span(name, kind=kind, attributes=attributes or None) as span:
            yield span
    finally:
        context.detach(token)
