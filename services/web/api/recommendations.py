"""``/rekomendasi``: another department (role ``opd``) searches the book by bidang and region — the
ormas's public contacts only — and asks the office for a recommendation, which the office answers
from its home page (``/rekomendasi/{id}``)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.adapters.apis import ApiProblem
from services.web.api.pages import not_allowed, render, see_other
from services.web.deps import Apis, CurrentUser, Writer
from services.web.domain import forms

router = APIRouter()


async def _page(request: Request, user, apis, *, status: int = 200, values=None, error=None) -> Response:
    filters = {k: (request.query_params.get(k) or "").strip() for k in ("q", "bidang")}
    search = {k: v for k, v in filters.items() if v}
    found, asked = await asyncio.gather(
        apis.registry.get("/ormas", user.access_token, params={**search, "limit": 50}) if search else asyncio.sleep(0, {}),
        apis.registry.get("/recommendation-requests", user.access_token))
    return render(request, "recommendations.html", status_code=status, found=(found or {}).get("items"),
                  filters=filters, asked=asked, values=values or {}, error=error, sent=request.query_params.get("terkirim"))


@router.get("/rekomendasi")
async def page(request: Request, user: CurrentUser, apis: Apis) -> Response:
    if user.role != "opd":
        return not_allowed(request)
    return await _page(request, user, apis)


@router.post("/rekomendasi")
async def ask(request: Request, user: Writer, apis: Apis) -> Response:
    if user.role != "opd":
        return not_allowed(request)
    values = forms.strings(await request.form())
    body = {"department": values.get("department", "").strip(), "subject": values.get("subject", "").strip(),
            "bidang": [b.strip() for b in values.get("bidang", "").split(",") if b.strip()],
            "needed_by": values.get("needed_by") or None}
    try:
        await apis.registry.post("/recommendation-requests", user.access_token, json=body)
    except ApiProblem as e:
        if e.kind != "invalid":
            raise
        return await _page(request, user, apis, status=422, values=values,
                           error="Lengkapi nama dinas/badan (paling sedikit 2 huruf) dan keperluannya (paling sedikit 5 huruf).")
    return see_other("/rekomendasi?terkirim=1")


@router.get("/rekomendasi/{request_id}")
async def one(request: Request, request_id: str, user: CurrentUser, apis: Apis) -> Response:
    asked = await apis.registry.get("/recommendation-requests", user.access_token)
    found = next((a for a in asked if a["id"] == request_id), None)
    if found is None:
        return render(request, "error.html", status_code=404, kind="not-found", title="Permintaan tidak ditemukan.")
    bidang = found["bidang"][0] if found["bidang"] else None
    candidates = (await apis.registry.get("/ormas", user.access_token, params={
        "bidang": bidang, "status": ["registered", "expiring", "legal_entity"], "limit": 50}))["items"]
    return render(request, "recommendation_answer.html", asked=found, candidates=candidates, error=None)


@router.post("/rekomendasi/{request_id}")
async def answer(request: Request, request_id: str, user: Writer, apis: Apis) -> Response:
    if not user.writes:
        return not_allowed(request)
    form = await request.form()
    ids = [v for v in form.getlist("ormas_id") if isinstance(v, str)]
    note = (form.get("note") or "").strip()
    try:
        await apis.registry.post(f"/recommendation-requests/{request_id}/answer", user.access_token,
                                 json={"ormas_ids": ids, "note": note})
    except ApiProblem as e:
        if e.kind != "invalid":
            raise
        return render(request, "error.html", status_code=422, kind="invalid",
                      title="Pilih paling sedikit satu ormas yang direkomendasikan.")
    return see_other("/beranda")
