"""Reporting HTTP API: figures for dashboards."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from shared import regions
from shared.auth import Principal
from shared.web import NotFound, Unprocessable, authenticated

router = APIRouter(tags=["dashboard"])
current = authenticated(lambda request: request.app.state.runtime.verifier)


@router.get("/stats/ormas")
async def ormas_stats(request: Request, response: Response,
                      region: str | None = Query(default=None, description="Kemendagri code; default: your office's"),
                      principal: Principal = Depends(current)) -> dict:
    scope = principal.region if region is None else region
    if scope != regions.NATIONAL and not regions.is_valid(scope):
        raise Unprocessable(f"region: {scope!r} is not a Kemendagri region code",
                            errors=[{"field": "region", "message": "unknown region code"}])
    if not principal.can_see(scope):
        raise NotFound(f"region {scope} is outside your office's scope")
    figures = await request.app.state.projections.ormas_figures(scope)
    r = regions.get(scope)
    response.headers["Cache-Control"] = "private, max-age=5"
    return {"region": scope, "name": r.name if r else "Indonesia", **figures}
