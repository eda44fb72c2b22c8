"""Activity reports (laporan kegiatan ormas): the officer sends the semester's report from the
portal; the office sees who reported a semester and reminds the late ones."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.adapters.apis import ApiProblem
from services.web.api.pages import WIB, not_allowed, render, see_other
from services.web.deps import Apis, CurrentUser, Writer
from services.web.domain import activity as words
from services.web.domain import forms

router = APIRouter()


def _form(request: Request, status: int = 200, values=None, errors=None) -> Response:
    today = dt.datetime.now(WIB).date()
    return render(request, "portal_kegiatan.html", status_code=status, values=values or {}, errors=errors or {},
                  periods=words.choosable(today), words=words)


@router.get("/portal/laporan-kegiatan")
async def report_form(request: Request, user: CurrentUser) -> Response:
    if user.role != "ormas":
        return not_allowed(request)
    return _form(request)


@router.post("/portal/laporan-kegiatan")
async def send(request: Request, user: Writer, apis: Apis) -> Response:
    if user.role != "ormas":
        return not_allowed(request)
    form = await request.form()
    values = forms.strings(form)
    try:
        body = words.report_body(form)
        await apis.registry.post("/portal/activity-reports", user.access_token, json=body)
    except words.FormError as e:
        return _form(request, 422, values, e.errors)
    except ApiProblem as e:
        if e.kind != "invalid":
            raise
        return _form(request, 422, values, words.api_errors(e.errors))
    return see_other("/portal?selesai=laporan")


@router.get("/ormas/laporan-kegiatan")
async def compliance(request: Request, user: CurrentUser, apis: Apis) -> Response:
    today = dt.datetime.now(WIB).date()
    period = request.query_params.get("periode") or words.previous(words.period_of(today))
    try:
        data = await apis.registry.get("/activity-reports", user.access_token, params={"period": period})
    except ApiProblem as e:
        if e.kind != "invalid":
            raise
        period = words.previous(words.period_of(today))
        data = await apis.registry.get("/activity-reports", user.access_token, params={"period": period})
    return render(request, "activity_compliance.html", data=data, period=period, periods=words.recent(today),
                  words=words, reminded=request.query_params.get("diingatkan"))


@router.post("/ormas/laporan-kegiatan/ingatkan")
async def remind(request: Request, user: Writer, apis: Apis) -> Response:
    if not user.writes:
        return not_allowed(request)
    period = forms.strings(await request.form()).get("period", "")
    done = await apis.registry.post("/activity-reports/reminders", user.access_token, json={"period": period})
    return see_other(f"/ormas/laporan-kegiatan?periode={period}&diingatkan={done['reminded']}")
