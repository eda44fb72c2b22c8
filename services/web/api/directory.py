"""``/direktori``: the public directory of registered ormas, for anyone (no login), with its
open-data download (rate-limited per client)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.adapters.apis import ApiProblem
from services.web.api.pages import client_address, render
from services.web.application import directory as use
from services.web.deps import Apis, Sessions
from shared import regions

router = APIRouter()


@router.get("/direktori")
async def directory(request: Request, apis: Apis) -> Response:
    filters = use.filters_of(request.query_params)
    cursor = request.query_params.get("cursor") or None
    try:
        page = await use.page(apis, filters, cursor)
        error = None
    except ApiProblem as e:
        if e.status != 422:
            raise
        page, error = {"items": [], "next_cursor": None}, "Saringan tidak dikenal; periksa isian pencarian."
    return render(request, "directory.html", status_code=422 if error else 200, page=page, filters=filters,
                  query=urlencode(filters), error=error, provinces=regions.provinces())


@router.get("/direktori.{fmt}")
async def download(fmt: str, request: Request, apis: Apis, sessions: Sessions) -> Response:
    if fmt not in ("csv", "json"):
        return render(request, "error.html", status_code=404, kind="not-found", title="Berkas tidak ditemukan.")
    if not await use.may_download(sessions.redis, client_address(request)):
        return render(request, "error.html", status_code=429, kind="too-many",
                      title=f"Terlalu banyak unduhan: paling banyak {use.DOWNLOADS} berkas per menit. "
                            "Silakan coba lagi sebentar lagi.")
    rows = await use.everything(apis, use.filters_of(request.query_params))
    body, media = (use.as_csv(rows), "text/csv; charset=utf-8") if fmt == "csv" else \
        (use.as_json(rows), "application/json")
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="direktori-ormas.{fmt}"', "Cache-Control": "no-store"})
