"""Compiled reports, downloaded through the user's session."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response

from services.web.deps import Apis, CurrentUser

router = APIRouter()


@router.get("/laporan/{report_id}/{fmt}")
async def download(report_id: str, fmt: Literal["pdf", "xlsx", "csv"], user: CurrentUser, apis: Apis) -> Response:
    r = await apis.reporting.call("GET", f"/reports/{report_id}/files/{fmt}", user.access_token)
    return Response(r.content, media_type=r.headers.get("content-type"),
                    headers={"Content-Disposition": r.headers.get("content-disposition", "attachment")})
