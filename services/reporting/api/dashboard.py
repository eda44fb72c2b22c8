"""The dashboard moved into the web application, under the user's session (``/dasbor``): the old
address, which asked for a pasted token, redirects there with its region."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from services.reporting.deps import Config

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", include_in_schema=False)
async def dashboard(request: Request, config: Config) -> RedirectResponse:
    region = request.query_params.get("region")
    query = f"?{urlencode({'region': region})}" if region is not None else ""
    return RedirectResponse(f"{config.web_url.rstrip('/')}/dasbor{query}", status_code=301)
