"""HTTP clients of the five service APIs: the only code of the web application that talks to them.
Every call carries the signed-in user's token, so each service decides what the user may see and
do; an answer that is not a success becomes :class:`ApiProblem`, carrying the RFC 9457 problem."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import httpx


@dataclasses.dataclass
class ApiProblem(Exception):
    status: int
    type: str = "about:blank"
    detail: str = ""
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def kind(self) -> str:
        """``urn:kesbang:problem:<kind>`` → ``<kind>``; an unknown type by its status."""
        if self.type.startswith("urn:kesbang:problem:"):
            return self.type.rsplit(":", 1)[1]
        return {401: "unauthenticated", 403: "not-allowed", 404: "not-found", 409: "conflict", 412: "stale-version",
                413: "too-large", 422: "invalid", 429: "too-many-requests"}.get(self.status, "unavailable")


def _problem(r: httpx.Response) -> ApiProblem:
    try:
        body = r.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    extra = {k: v for k, v in body.items() if k not in ("type", "title", "status", "detail", "errors", "instance")}
    return ApiProblem(status=r.status_code, type=str(body.get("type") or "about:blank"), detail=str(body.get("detail") or ""),
                      errors=[e for e in body.get("errors") or [] if isinstance(e, dict)], extra=extra)


class ServiceApi:
    """One service's API. ``token`` is the user's access token (None for the login call)."""

    def __init__(self, client: httpx.AsyncClient):
        self.client = client

    async def call(self, method: str, path: str, token: str | None, *, params: Mapping[str, Any] | None = None,
                   json: Any = None, data: Mapping[str, Any] | None = None, files: Any = None,
                   content: bytes | None = None, headers: Mapping[str, str] | None = None) -> httpx.Response:
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        try:
            r = await self.client.request(method, path, params=_clean(params), json=json, data=data, files=files,
                                          content=content, headers=h)
        except httpx.HTTPError as e:
            raise ApiProblem(status=503, type="urn:kesbang:problem:unavailable", detail=repr(e)) from None
        if r.status_code >= 400:
            raise _problem(r)
        return r

    async def get(self, path: str, token: str | None, **kw: Any) -> Any:
        return (await self.call("GET", path, token, **kw)).json()

    async def post(self, path: str, token: str | None, **kw: Any) -> Any:
        r = await self.call("POST", path, token, **kw)
        return r.json() if r.content else None


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {k: v for k, v in params.items() if v not in (None, "", [])}


@dataclasses.dataclass(frozen=True)
class Apis:
    registry: ServiceApi
    events: ServiceApi
    notifications: ServiceApi
    reporting: ServiceApi
    earlywarning: ServiceApi
    clients: tuple[httpx.AsyncClient, ...]

    @classmethod
    def connect(cls, *, registry: str, events: str, notifications: str, reporting: str, earlywarning: str,
                timeout: float) -> "Apis":
        # a pooled connection is let go before the services' uvicorn closes it (5 s idle): one
        # reused at that very moment fails with "server disconnected" (a page answered 503)
        limits = httpx.Limits(keepalive_expiry=4.0)
        made = [httpx.AsyncClient(base_url=u, timeout=timeout, limits=limits)
                for u in (registry, events, notifications, reporting, earlywarning)]
        return cls(*(ServiceApi(c) for c in made), clients=tuple(made))

    async def close(self) -> None:
        for c in self.clients:
            await c.aclose()
