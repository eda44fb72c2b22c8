"""What every page shares: the templates with their filters, rendering, and the error pages —
an API problem shown in Indonesian by its type, a session that ended, a refused form token."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from services.web.adapters.apis import ApiProblem
from services.web.deps import BadCsrf, NotForRole, SignInNeeded
from services.web.domain import labels, problems
from shared import regions

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))
WIB = ZoneInfo("Asia/Jakarta")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


def _date(value: Any) -> str:
    """``2026-12-02`` → ``2 Desember 2026``."""
    if not value:
        return "—"
    d = value if isinstance(value, (dt.date, dt.datetime)) else dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if isinstance(d, dt.datetime) and d.tzinfo is not None:
        d = d.astimezone(WIB)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _datetime(value: Any, region: str | None = None) -> str:
    """In the zone of ``region`` (a kegiatan's venue), WIB otherwise."""
    if not value:
        return "—"
    zone = regions.zone_of(region) if region else "WIB"
    d = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(regions.ZONES[zone])
    return f"{_date(d.date())}, {d:%H.%M} {zone}"


def _region(code: str | None) -> str:
    if not code:
        return "Nasional"
    r = regions.get(code)
    return r.name if r else code


def _parent_name(code: str | None) -> str:
    up = regions.parent(code or "")
    return "Nasional" if up == regions.NATIONAL else _region(up)


TEMPLATES.env.filters.update(
    parent_name=_parent_name, month=lambda d: f"{MONTHS[d.month - 1]} {d.year}", date=_date, datetime=_datetime, region=_region,
    status=lambda c: labels.label(labels.STATUSES, c), kind=lambda c: labels.label(labels.KINDS, c),
    legal_form=lambda c: labels.label(labels.LEGAL_FORMS, c), scope=lambda c: labels.label(labels.SCOPES, c),
    action=lambda c: labels.label(labels.ACTIONS, c), authority=lambda c: labels.label(labels.AUTHORITIES, c),
    role=lambda c: labels.label(labels.ROLES, c), field=problems.field_label,
)
TEMPLATES.env.globals.update(labels=labels)


def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    return TEMPLATES.TemplateResponse(request, name, {"user": user, **ctx}, status_code=status_code)


def not_allowed(request: Request) -> HTMLResponse:
    """The page a user gets for a page their role has no use for (the service refuses the write anyway)."""
    return render(request, "error.html", status_code=403, kind="not-allowed", title=problems.title("not-allowed"))


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def problem_page(request: Request, p: ApiProblem) -> Response:
    if p.status == 401:
        return sign_in_page(request, SignInNeeded(expired=True))
    status = p.status if 400 <= p.status < 600 else 502
    return render(request, "error.html", status_code=status, title=problems.title(p.kind), kind=p.kind)


def sign_in_page(request: Request, e: SignInNeeded) -> Response:
    if request.headers.get("hx-request"):  # htmx: the whole page goes to the login
        return Response(status_code=401, headers={"HX-Redirect": "/masuk?berakhir=1" if e.expired else "/masuk"})
    return see_other("/masuk?berakhir=1" if e.expired else "/masuk")


def too_large_page(limit: int) -> HTMLResponse:
    """BodyLimits' 413, before any route ran (so without the user's name in the header)."""
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    html = TEMPLATES.get_template("error.html").render(
        request=None, user=None, kind="too-large",
        title=f"Berkas atau isian terlalu besar: paling banyak {size}. Perkecil berkasnya, lalu coba lagi.")
    return HTMLResponse(html, status_code=413)


def install(app) -> None:
    app.add_exception_handler(NotForRole, lambda request, e: not_allowed(request))
    app.add_exception_handler(ApiProblem, problem_page)
    app.add_exception_handler(SignInNeeded, sign_in_page)
    app.add_exception_handler(BadCsrf, lambda request, e: render(
        request, "error.html", status_code=403, kind="csrf",
        title="Permintaan ditolak: formulir ini sudah kedaluwarsa atau tidak berasal dari halaman ini. "
              "Muat ulang halaman, lalu coba lagi."))
