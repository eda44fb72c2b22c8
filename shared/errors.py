"""The errors of every domain, as types. No I/O, no HTTP.

Each kind of problem has a stable ``kind``, and with it a stable RFC 9457 ``type`` URI
(``urn:kesbang:problem:<kind>``) that clients — the web application first — translate and act
on; ``status`` is the HTTP status the one exception handler (``shared.web``) answers with.
Domain modules raise these (or their own subclasses); API code never translates them by hand.

``FieldError`` names the field and what is wrong with it: a 422 whose ``errors`` list the field."""

from __future__ import annotations

from typing import Any

TYPE_PREFIX = "urn:kesbang:problem:"


class Problem(Exception):
    """An error with a meaning for the caller; ``extra`` travels as members of the problem."""

    kind = "bad-request"
    status = 400
    title = "Bad Request"

    def __init__(self, detail: str, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Unauthenticated(Problem):
    kind, status, title = "unauthenticated", 401, "Unauthorized"


class NotAllowed(Problem):
    """Authenticated, but this role may not do this."""

    kind, status, title = "not-allowed", 403, "Forbidden"


class NotFound(Problem):
    """No such record — or one outside the caller's scope, which must look the same."""

    kind, status, title = "not-found", 404, "Not Found"


class OutOfScope(NotFound):
    """A region the caller named (a filter, a target) is outside its office."""

    kind = "out-of-scope"


class Gone(Problem):
    kind, status, title = "gone", 410, "Gone"


class Conflict(Problem):
    kind, status, title = "conflict", 409, "Conflict"


class Duplicate(Conflict):
    kind = "duplicate"


class TransitionNotAllowed(Conflict):
    """A lifecycle step not possible from the current status; ``extra`` names what is."""

    kind = "transition-not-allowed"


class StaleVersion(Problem):
    """The record changed since the version the caller named (If-Match), or meanwhile."""

    kind, status, title = "stale-version", 412, "Precondition Failed"


class TooLarge(Problem):
    kind, status, title = "too-large", 413, "Content Too Large"


class Invalid(Problem):
    """Bad input; ``errors`` (a list of {field, message}) names each field."""

    kind, status, title = "invalid", 422, "Unprocessable Content"


class TooManyRequests(Problem):
    """Refused for now; ``retry_after`` (seconds) becomes the Retry-After header."""

    kind, status, title = "too-many-requests", 429, "Too Many Requests"


class Unavailable(Problem):
    kind, status, title = "unavailable", 503, "Service Unavailable"


class OutboxFull(Unavailable):
    """An aggregate has too many unpublished events; retry once the relay has drained them."""

    kind = "outbox-full"

    def __init__(self, detail: str = "too many unpublished changes on this record; retry shortly", **extra: Any):
        super().__init__(detail, **{"retry_after": 2, **extra})


class FieldError(ValueError):
    """One field is wrong (422, ``kind`` "invalid"); domain modules subclass it per aggregate."""

    kind = Invalid.kind

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


KINDS: dict[str, type[Problem]] = {c.kind: c for c in (
    Problem, Unauthenticated, NotAllowed, NotFound, OutOfScope, Gone, Conflict, Duplicate, TransitionNotAllowed,
    StaleVersion, TooLarge, Invalid, TooManyRequests, Unavailable, OutboxFull)}
