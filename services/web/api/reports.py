"""Compiled reports: requested with a progress bar, downloaded through the user's session, sent up
to the office above, and the ones sent here acknowledged."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.adapters.apis import ApiProblem
from services.web.api.pages import WIB, not_allowed, render, see_other
from services.web.application import reports as use
from services.web.deps import Apis, CurrentUser, Writer
from services.web.domain import forms

router = APIRouter()
REQUESTERS = ("operator", "head", "analyst", "admin")


@router.get("/laporan")
async def page(request: Request, user: CurrentUser, apis: Apis) -> Response:
    data = await use.overview(apis, user)
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "laporan-saya":
        return render(request, "reports_own.html", **data)
    return render(request, "reports.html", **data, period=dt.datetime.now(WIB).strftime("%Y-%m"),
                  done=request.query_params.get("selesai"))


@router.post("/laporan")
async def ask(request: Request, user: Writer, apis: Apis) -> Response:
    if user.role not in REQUESTERS:
        return not_allowed(request)
    values = forms.strings(await request.form())
    try:
        await use.request(apis, user, values.get("period", "").strip(), values.get("refresh") == "1")
    except ApiProblem as e:
        if e.kind != "invalid":
            raise
        data = await use.overview(apis, user)
        return render(request, "reports.html", status_code=422, **data, period=values.get("period", ""),
                      error="Periode tidak dikenal: tulis bulan (2026-11), triwulan (2026-Q4) atau tahun (2026).")
    return see_other("/laporan?selesai=requested")


@router.post("/laporan/{report_id}/kirim")
async def send_up(request: Request, report_id: str, user: Writer, apis: Apis) -> Response:
    await use.submit(apis, user, report_id)
    return see_other("/laporan?selesai=sent")


@router.post("/laporan/{report_id}/terima")
async def receive(request: Request, report_id: str, user: Writer, apis: Apis) -> Response:
    await use.acknowledge(apis, user, report_id)
    return see_other("/laporan?selesai=received")


@router.get("/laporan/{report_id}/{fmt}")
async def download(report_id: str, fmt: Literal["pdf", "xlsx", "csv"], user: CurrentUser, apis: Apis) -> Response:
    r = await apis.reporting.call("GET", f"/reports/{report_id}/files/{fmt}", user.access_token)
    return Response(r.content, media_type=r.headers.get("content-type"),
                    headers={"Content-Disposition": r.headers.get("content-disposition", "attachment")})
