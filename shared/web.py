"""HTTP plumbing every service shares: RFC 9457 problem+json errors, health and metrics endpoints,
trace context and JSON access logs, and bearer-token authentication."""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared import errors, tracing
from shared.auth import AuthError, Forbidden, Principal, TokenVerifier, require_role

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"

HTTP_REQUESTS = Counter("kesbang_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("kesbang_http_request_seconds", "HTTP request latency", ["method", "route"])


# The names API modules have raised since before shared.errors held the types (same classes).
DomainProblem = errors.Problem
NotFound = errors.NotFound
Conflict = errors.Conflict
PreconditionFailed = errors.StaleVersion
Unprocessable = errors.Invalid


def set_etag(response: Any, doc: dict[str, Any]) -> None:
    """The ETag of a versioned aggregate: its version."""
    response.headers["ETag"] = f'"{doc["version"]}"'


def check_if_match(value: str | None, current: int, what: str) -> int:
    """The version an If-Match header names, which must be the current one (412 otherwise)."""
    if value is None:
        return current
    tag = value.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise PreconditionFailed(f"If-Match {value!r} is not an ETag of this API")
    if int(tag) != current:
        raise PreconditionFailed(f"the {what} has changed (version {current}); reload and retry", current_version=current)
    return current


def content_disposition(filename: str, fallback: str = "download") -> str:
    """An ``attachment`` header for any file name (RFC 6266): ``filename*`` carries the name in
    UTF-8, percent-encoded, and ``filename`` an ASCII fallback with quotes, backslashes and
    controls replaced — so neither ``Surat “Domisili”.pdf`` (not latin-1) nor a name carrying
    ``"; filename*=…`` can break the header."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", filename or "").replace("/", "_").replace("\\", "_").strip() or fallback
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._ ()\[\]-]", "_", ascii_name).strip() or fallback
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def problem(status: int, title: str, detail: str | None = None, *, headers: dict[str, str] | None = None,
            kind: str | None = None, **extra: Any) -> JSONResponse:
    """A problem+json answer; ``kind`` (shared.errors) gives its stable ``type``, else about:blank."""
    body: dict[str, Any] = {"type": errors.TYPE_PREFIX + kind if kind else "about:blank", "title": title,
                            "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body",)]
        out.append({"field": ".".join(loc) or "(body)", "message": e.get("msg", "invalid")})
    return out


def install_error_handlers(app: FastAPI) -> None:
    """The one mapping from errors to problem+json: every shared.errors type by its kind (and so
    its stable ``type``), a FieldError as 422 naming its field, request validation as 422 naming
    each field, HTTP errors by their status; anything else is a 500 that says nothing more."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        found = _validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in found)
        return problem(422, "Unprocessable Content", detail, kind=errors.Invalid.kind, errors=found)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        kind = {401: errors.Unauthenticated, 403: errors.NotAllowed, 404: errors.NotFound, 413: errors.TooLarge,
                429: errors.TooManyRequests}.get(exc.status_code)
        return problem(exc.status_code, _reason(exc.status_code), str(exc.detail) if exc.detail else None,
                       headers=getattr(exc, "headers", None), kind=kind.kind if kind else None)

    @app.exception_handler(errors.Problem)
    async def _domain(request: Request, exc: errors.Problem):
        headers = {}
        if exc.extra.get("retry_after"):
            headers["Retry-After"] = str(exc.extra["retry_after"])
        if isinstance(exc, errors.Unauthenticated):
            headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return problem(exc.status, exc.title, exc.detail, headers=headers or None, kind=exc.kind, **exc.extra)

    @app.exception_handler(errors.FieldError)
    async def _field(request: Request, exc: errors.FieldError):
        return problem(422, "Unprocessable Content", str(exc), kind=exc.kind,
                       errors=[{"field": exc.field, "message": exc.message}])

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error")
        return problem(500, "Internal Server Error", "an unexpected error occurred", trace_id=tracing.current_trace_id())


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def install_middleware(app: FastAPI) -> None:
    tracing.instrument_app(app)  # the request's span, continuing the caller's traceparent
    app.add_middleware(Measured)


class Measured:
    """ASGI middleware: counts and times each request by its route, logs it (JSON access log) and
    answers the trace's ``traceparent``. Plain ASGI rather than ``@app.middleware("http")``, whose
    task and stream per request cost a tenth of a small request's time."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500

        async def measured_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["traceparent"] = tracing.current_traceparent() or ""
            await send(message)

        try:
            await self.app(scope, receive, measured_send)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - start
            method = scope["method"]
            HTTP_REQUESTS.labels(method, path, str(status)).inc()
            HTTP_LATENCY.labels(method, path).observe(elapsed)
            if not path.startswith("/health") and path != "/metrics":
                log.info("%s %s %d", method, path, status,
                         extra={"duration_ms": round(elapsed * 1000, 1), "status": status})


class BodyLimits:
    """ASGI middleware run before any route: bounds a request's body and authenticates first.

    FastAPI reads (and spools) a whole body before a route's dependencies run, so without this an
    anonymous 200 MB upload is read in full before its 401. Here a request whose path is not public
    must carry a valid bearer token before one byte of its body is read (401), and its body may not
    exceed the route's limit: refused from Content-Length at once, or as soon as a streamed body
    passes it (413). ``limits``: (method, path regex) → bytes; ``default`` for the others.
    ``refuse``: the 413 answer for a limit (problem+json by default; the web application's is a page)."""

    def __init__(self, app, *, default: int, limits: Sequence[tuple[str, str, int]] = (),
                 public: Sequence[str] = (), verifier_of: Callable[[Any], TokenVerifier | None] | None = None,
                 refuse: Callable[[int], Any] | None = None):
        self.app = app
        self.refuse = refuse or _too_large
        self.default = default
        self.limits = [(m, re.compile(p), n) for m, p, n in limits]
        self.public = [re.compile(p) for p in public]
        self.verifier_of = verifier_of

    def limit_of(self, method: str, path: str) -> int:
        return next((n for m, p, n in self.limits if m == method and p.fullmatch(path)), self.default)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            return await self.app(scope, receive, send)
        path, method = scope["path"], scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if self.verifier_of is not None and not any(p.fullmatch(path) for p in self.public):
            verifier = self.verifier_of(scope["app"])
            kind, _, token = headers.get("authorization", "").partition(" ")
            try:
                if verifier is None or kind.lower() != "bearer" or not token:
                    raise AuthError("a bearer token is required")
                # kept for the route's own dependency (``authenticated``): verified once per request
                scope.setdefault("state", {})[VERIFIED] = verifier.verify(token.strip())
            except AuthError as e:
                return await problem(401, "Unauthorized", str(e), kind=errors.Unauthenticated.kind,
                                     headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})(scope, receive, send)
        limit = self.limit_of(method, path)
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await self.refuse(limit)(scope, receive, send)
        seen = 0
        refused = False

        async def bounded_receive():
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # answer 413 now; the route sees a client that went away
                    refused = True
                    await self.refuse(limit)(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not refused:  # after the 413, whatever the route still says is dropped
                await send(message)

        try:
            await self.app(scope, bounded_receive, guarded_send)
        except Exception:
            if not refused:  # the route failed on the disconnect it was shown: answered already
                raise


def _too_large_text(limit: int) -> str:
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return f"the request body is larger than {size}"


def _too_large(limit: int) -> JSONResponse:
    return problem(413, "Content Too Large", _too_large_text(limit), kind=errors.TooLarge.kind, max_bytes=limit)


ReadyCheck = Callable[[], Awaitable[None]]


def health_router(checks: dict[str, ReadyCheck]) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/health/ready")
    async def ready():
        results: dict[str, str] = {}
        ok = True
        for name, check in checks.items():
            try:
                await check()
                results[name] = "ok"
            except Exception as e:
                ok = False
                results[name] = f"failing: {type(e).__name__}"
        body = {"status": "ok" if ok else "unavailable", "checks": results}
        return JSONResponse(body, status_code=200 if ok else 503)

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


_bearer = HTTPBearer(auto_error=False)


VERIFIED = "kesbang.principal"  # the request state key BodyLimits leaves a verified principal under


def authenticated(verifier_of: Callable[[Request], TokenVerifier], *, ormas: str = "refused", opd: bool = False):
    """The caller from the bearer token. ``ormas``: what an ormas account's token gets here —
    "refused" (403: the office's routes), "allowed" (routes that scope to its ormas themselves) or
    "only" (its portal's routes: the office's staff get 403). ``opd``: whether another
    department's read-only account is let in (the book's search and an ormas's public record)."""
    async def dependency(request: Request,
                         creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
        known = request.scope.get("state", {}).get(VERIFIED)
        if known is not None:  # this request's token was verified before its body was read
            principal = known
        elif creds is None or creds.scheme.lower() != "bearer":
            raise AuthError("a bearer token is required")
        else:
            principal = verifier_of(request).verify(creds.credentials)
        if principal.role == "ormas" and ormas == "refused":
            raise Forbidden("an ormas account reaches only its portal")
        if principal.role == "opd" and not opd:
            raise Forbidden("a department's account reads the book and asks for recommendations only")
        if principal.role != "ormas" and ormas == "only":
            raise Forbidden("this is an ormas account's portal")
        return principal

    return dependency


def component(name: str):
    """A dependency that gives the component ``bootstrap.py`` wired onto the app as ``name``;
    each service's ``deps.py`` names its components with it (the only reader of app.state)."""

    async def get(request: Request) -> Any:  # async: a plain function would run in a thread
        return getattr(request.app.state, name)

    get.__name__ = f"get_{name}"
    return get


def current_principal(*, ormas: str = "refused", opd: bool = False):
    """The caller, from the bearer token, verified with the service runtime's key (an ormas or a
    department's account only where ``ormas`` and ``opd`` let it in: see ``authenticated``)."""
    return authenticated(lambda request: request.app.state.runtime.verifier, ormas=ormas, opd=opd)


def roles(dependency, allowed: Iterable[str]):
    allowed = tuple(allowed)

    async def check(principal: Principal = Depends(dependency)) -> Principal:
        require_role(principal, allowed)
        return principal

    return check


DEFAULT_BODY_LIMIT = 256 * 1024


class ProblemDetails(BaseModel):
    """RFC 9457 problem details; ``type`` is ``urn:kesbang:problem:<kind>`` (see the API description)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[dict[str, str]] | None = None


# Every operation may answer these (route-specific 4xx come on top): listed once in each OpenAPI.
PROBLEM_RESPONSES = {
    401: {"model": ProblemDetails, "description": "no valid bearer token (urn:kesbang:problem:unauthenticated)"},
    403: {"model": ProblemDetails, "description": "the role may not do this (urn:kesbang:problem:not-allowed)"},
    404: {"model": ProblemDetails, "description": "no such record in the caller's scope (not-found, out-of-scope)"},
    409: {"model": ProblemDetails, "description": "conflict, duplicate, or transition-not-allowed"},
    412: {"model": ProblemDetails, "description": "the record changed (urn:kesbang:problem:stale-version)"},
    413: {"model": ProblemDetails, "description": "the body is larger than the route allows (too-large)"},
    429: {"model": ProblemDetails, "description": "refused for now, see Retry-After (too-many-requests)"},
    503: {"model": ProblemDetails, "description": "unavailable or outbox-full, see Retry-After"},
}


def _problem_kinds() -> str:
    return "Problems: " + ", ".join(f"`{errors.TYPE_PREFIX}{k}`" for k in errors.KINDS) + "."


def create_app(*, title: str, version: str, lifespan, routers: Sequence[APIRouter], description: str = "",
               body_limits: Sequence[tuple[str, str, int]] = (), public: Sequence[str] = ()) -> FastAPI:
    """``body_limits``: (method, path regex, bytes) above the default of 256 KB; ``public``: path
    regexes whose writes need no token (the login, RSVP links, provider webhooks)."""
    app = FastAPI(title=title, version=version, lifespan=lifespan, description=f"{description}\n\n{_problem_kinds()}",
                  generate_unique_id_function=lambda route: route.name)  # operation ids: the functions' names
    install_error_handlers(app)
    install_middleware(app)
    app.add_middleware(BodyLimits, default=DEFAULT_BODY_LIMIT, limits=body_limits, public=public,
                       verifier_of=lambda a: getattr(getattr(a.state, "runtime", None), "verifier", None))
    for r in routers:
        app.include_router(r, responses=PROBLEM_RESPONSES)
    return app
