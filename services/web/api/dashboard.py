"""Dasbor: the region's figures, trends and child regions, drilled down and back up."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api.pages import render
from services.web.application import dashboard as use
from services.web.deps import Apis, CurrentUser
from services.web.domain import charts

router = APIRouter()
FILTERS = ("region", "kind", "bidang", "since", "until")


@router.get("/dasbor")
async def dashboard(request: Request, user: CurrentUser, apis: Apis) -> Response:
    f = {k: (request.query_params.get(k) or "").strip() for k in FILTERS}
    region = request.query_params.get("region")  # "" is the nation, absent is the user's office
    data = await use.figures(apis, user, region=region, kind=f["kind"] or None, bidang=f["bidang"] or None,
                             since=f["since"] or None, until=f["until"] or None)
    o, k = data["ormas"], data["kegiatan"]
    trends = [("trend", "Kegiatan per bulan", k["kegiatan"]["by_month"], "#8b0000"),
              ("trend-recorded", "Ormas tercatat per bulan (24 bulan terakhir)", o.get("recorded_by_month"), "#1f4e79"),
              ("trend-skt", "SKT terbit per bulan (24 bulan terakhir)", o.get("skt_issued_by_month"), "#2e7d32"),
              ("trend-ending", "SKT berakhir per bulan (12 bulan ke depan)", o.get("skt_ending_by_month"), "#b26a00")]
    return render(request, "dashboard.html", o=o, k=k, filters=f,
                  trends=[(i, t, {**charts.series(s), "color": c}) for i, t, s, c in trends],
                  children=sorted(o["children"], key=lambda c: -c["ormas"]))
