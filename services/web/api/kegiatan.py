"""Kegiatan pages, from the draft to the report: the month calendar, the form in steps, invitees
(rule builder with a live count, ormas picked by name, guests pasted), the letter's preview,
publishing with its confirmation, participants with their letters, answers received by phone,
"Ingatkan", and the outcomes (minutes and aspirations)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.adapters.apis import ApiProblem
from services.web.api.pages import not_allowed, render, see_other
from services.web.application import kegiatan as use
from services.web.deps import Apis, CurrentUser, Writer
from services.web.domain import forms, problems
from services.web.domain import kegiatan as domain

router = APIRouter()
FIELD_OF = {"starts_at": "starts_at", "ends_at": "ends_at", "venue_region": "venue_region", "letter": "letter_number"}


def _errors(e: ApiProblem) -> dict[str, str]:
    out = {}
    for k, v in problems.field_errors(e.errors).items():
        key = k.split(".")[0] if not k.startswith("letter.") else "letter_" + k.split(".")[1]
        out[FIELD_OF.get(key, key)] = v
    return out or {"title": problems.title(e.kind)}


def _today(user) -> dt.date:
    return dt.datetime.now(domain.zone(user.region or None)).date()


@router.get("/kegiatan")
async def calendar(request: Request, user: CurrentUser, apis: Apis) -> Response:
    today = _today(user)
    first = domain.month_of(request.query_params.get("bulan"), today)
    items = await use.month(apis, user, first)
    return render(request, "kegiatan_list.html", month=first, items=items, weeks=domain.month_grid(first, items, today),
                  prev=domain.shift(first, -1), next=domain.shift(first, 1), this=domain.shift(today.replace(day=1), 0),
                  k=domain)


@router.get("/kegiatan/baru")
async def new_page(request: Request, user: CurrentUser, apis: Apis) -> Response:
    if not user.writes:
        return not_allowed(request)
    return render(request, "kegiatan_form.html", values=await use.new_values(apis, user), errors={}, editing=None, k=domain)


@router.post("/kegiatan/baru")
async def create(request: Request, user: Writer, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    try:
        made = await use.create(apis, user, domain.kegiatan_body(values))
    except domain.FormError as e:
        return render(request, "kegiatan_form.html", status_code=422, values=values, errors=e.errors, editing=None, k=domain)
    except ApiProblem as e:
        if e.kind not in ("invalid", "out-of-scope"):
            raise
        return render(request, "kegiatan_form.html", status_code=e.status, values=values, errors=_errors(e), editing=None,
                      k=domain, problem=problems.title(e.kind))
    return see_other(f"/kegiatan/{made['id']}/undangan?baru=1")


@router.get("/kegiatan/kunjungan")
async def visit_page(request: Request, user: CurrentUser) -> Response:
    """An ormas's visit to the office (silaturahmi), recorded after it happened."""
    if not user.writes:
        return not_allowed(request)
    now = dt.datetime.now(domain.zone(user.region or None))
    return render(request, "kegiatan_visit.html", values={"date": now.date().isoformat(), "venue_region": user.region,
                                                          "start_time": f"{max(now.hour - 1, 0):02d}.00",
                                                          "end_time": f"{now:%H.%M}"}, errors={}, k=domain)


@router.get("/kegiatan/kunjungan/cari")
async def visit_find(request: Request, user: CurrentUser, apis: Apis) -> Response:
    found = await use.find_ormas(apis, user, request.query_params.get("q") or "", user.region)
    return render(request, "kegiatan_visit_found.html", found=found)


@router.post("/kegiatan/kunjungan")
async def visit(request: Request, user: Writer, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    try:
        if values.get("ormas_id"):  # its name, as the registry has it (and the user may see it)
            values["ormas_name"] = (await use.ormas_of(apis, user, values["ormas_id"]))["name"]
        kid = await use.record_visit(apis, user, domain.visit_body(values, values.get("venue_region") or user.region))
    except domain.FormError as e:
        return render(request, "kegiatan_visit.html", status_code=422, values=values, errors=e.errors, k=domain)
    except use.VisitIncomplete as e:
        return see_other(f"/kegiatan/{e.kegiatan_id}?selesai=visit_incomplete")
    except ApiProblem as e:
        if e.kind not in ("invalid", "out-of-scope"):
            raise
        return render(request, "kegiatan_visit.html", status_code=e.status, values=values, errors=_errors(e), k=domain,
                      problem=problems.title(e.kind))
    return see_other(f"/kegiatan/{kid}?selesai=visit")


@router.get("/kegiatan/{kegiatan_id}")
async def detail(request: Request, kegiatan_id: str, user: CurrentUser, apis: Apis) -> Response:
    q = request.query_params.get("q") or ""
    data = await use.detail(apis, user, kegiatan_id, q or None)
    if data["kegiatan"]["type"] == "pelatihan" and data["kegiatan"]["status"] == "completed":
        data["certified"] = await use.optional(use.certified(apis, user, kegiatan_id))
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "peserta":
        return render(request, "kegiatan_participants.html", **data, q=q, k=domain)
    return render(request, "kegiatan_detail.html", **data, q=q, k=domain, done=request.query_params.get("selesai"))


@router.get("/kegiatan/{kegiatan_id}/ubah")
async def edit_page(request: Request, kegiatan_id: str, user: CurrentUser, apis: Apis) -> Response:
    if not user.writes:
        return not_allowed(request)
    k = await use.get(apis, user, kegiatan_id)
    return render(request, "kegiatan_form.html", values=domain.kegiatan_values(k), errors={}, editing=k, k=domain)


@router.post("/kegiatan/{kegiatan_id}/ubah")
async def edit(request: Request, kegiatan_id: str, user: Writer, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    try:
        await use.update(apis, user, kegiatan_id, int(values.get("version") or 0), domain.kegiatan_body(values))
    except (domain.FormError, ApiProblem) as e:
        if isinstance(e, ApiProblem) and e.kind not in ("invalid", "stale-version", "conflict"):
            raise
        k = await use.get(apis, user, kegiatan_id)
        errors = e.errors if isinstance(e, domain.FormError) else _errors(e)
        return render(request, "kegiatan_form.html", status_code=422 if isinstance(e, domain.FormError) else e.status,
                      values=values, errors=errors, editing=k, k=domain,
                      problem=problems.title(e.kind) if isinstance(e, ApiProblem) else None)
    return see_other(f"/kegiatan/{kegiatan_id}?selesai=updated")


# --- invitees ----------------------------------------------------------------------------------

def _targeting(form) -> tuple[dict, list[str], str]:
    values = forms.strings(form)
    ormas_ids = [i for i in dict.fromkeys(form.getlist("ormas_id")) if i]
    return values, ormas_ids, values.get("guests", "")


async def _builder(request: Request, user, apis, k: dict, *, values: dict, ormas_ids: list[str], errors: dict,
                   status: int = 200, count=None) -> Response:
    names = await use.ormas_names(apis, user, ormas_ids) if ormas_ids else {}
    return render(request, "kegiatan_invitees.html", status_code=status, kegiatan=k, values=values, ormas_ids=ormas_ids,
                  names=names, errors=errors, count=count, k=domain, new=request.query_params.get("baru"))


@router.get("/kegiatan/{kegiatan_id}/undangan")
async def invitees_page(request: Request, kegiatan_id: str, user: CurrentUser, apis: Apis) -> Response:
    if not user.writes:
        return not_allowed(request)
    k = await use.get(apis, user, kegiatan_id)
    if k["status"] != "draft":  # published: invitees are added by name, not by rule
        return await _builder(request, user, apis, k, values={"kinds": [], "legal_forms": []}, ormas_ids=[], errors={})
    t = k.get("targeting") or {}
    count = await use.optional(use.preview_invitees(apis, user, kegiatan_id, use.targeting_body(
        t.get("rule"), t.get("ormas_ids") or [], k.get("guests") or [])))
    return await _builder(request, user, apis, k, values=domain.targeting_values(k), ormas_ids=t.get("ormas_ids") or [],
                          errors={}, count=count)


@router.post("/kegiatan/{kegiatan_id}/undangan/hitung")
async def invitees_count(request: Request, kegiatan_id: str, user: Writer, apis: Apis) -> Response:
    """The live count of the rule builder (htmx): whom the form's targeting picks now, nothing saved."""
    form = await request.form()
    values, ormas_ids, guests_text = _targeting(form)
    try:
        guests = domain.guests(guests_text)
        count = await use.preview_invitees(apis, user, kegiatan_id, use.targeting_body(
            domain.rule_body(values, form.getlist), ormas_ids, guests))
        errors = {}
    except domain.FormError as e:
        count, errors = None, e.errors
    except ApiProblem as e:
        if e.kind not in ("invalid", "conflict"):
            raise
        count, errors = None, _errors(e)
    return render(request, "kegiatan_count.html", count=count, errors=errors, k=domain)


@router.get("/kegiatan/{kegiatan_id}/undangan/cari")
async def invitees_find(request: Request, kegiatan_id: str, user: CurrentUser, apis: Apis) -> Response:
    """Ormas found by name, to add to the list (htmx)."""
    k = await use.get(apis, user, kegiatan_id)
    found = await use.find_ormas(apis, user, request.query_params.get("q") or "", k["region"])
    return render(request, "kegiatan_found.html", found=found)


@router.post("/kegiatan/{kegiatan_id}/undangan")
async def invitees_save(request: Request, kegiatan_id: str, user: Writer, apis: Apis) -> Response:
    form = await request.form()
    values, ormas_ids, guests_text = _targeting(form)
    values["kinds"], values["legal_forms"] = form.getlist("kinds"), form.getlist("legal_forms")
    k = await use.get(apis, user, kegiatan_id)
    try:
        guests = domain.guests(guests_text)
        if k["status"] == "draft":
            await use.save_invitees(apis, user, kegiatan_id, k["version"], use.targeting_body(
                domain.rule_body(values, form.getlist), ormas_ids, guests))
        else:
            await use.add_invitees(apis, user, kegiatan_id, k["version"], ormas_ids, guests)
    except domain.FormError as e:
        return await _builder(request, user, apis, k, values=values, ormas_ids=ormas_ids, errors=e.errors, status=422)
    except ApiProblem as e:
        if e.kind not in ("invalid", "conflict", "stale-version"):
            raise
        k = await use.get(apis, user, kegiatan_id)  # it may have moved meanwhile
        return await _builder(request, user, apis, k, values=values, ormas_ids=ormas_ids, errors=_errors(e),
                              status=e.status)
    return see_other(f"/kegiatan/{kegiatan_id}?selesai=invitees")


# --- the letter and the lifecycle --------------------------------------------------------------

LETTER_MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


@router.get("/kegiatan/{kegiatan_id}/surat.{fmt}")
async def letter(request: Request, kegiatan_id: str, fmt: str, user: CurrentUser, apis: Apis) -> Response:
    """The invitation letter as it will be sent (the PDF, or the e-mail's HTML framed on the
    publish page); or the page naming what it lacks."""
    if fmt not in LETTER_MEDIA:
        return render(request, "error.html", status_code=404, kind="not-found", title=problems.title("not-found"))
    try:
        body = await use.letter(apis, user, kegiatan_id, fmt)
    except ApiProblem as e:
        if e.kind != "invalid":
            raise
        return render(request, "error.html", status_code=422, kind="invalid",
                      title="Surat belum dapat dibuat: lengkapi " + ", ".join(
                          problems.field_label(f) for f in problems.field_errors(e.errors)) + " pada data kegiatan.")
    if fmt == "html":  # a letter, framed by this site only, with its own styles and nothing active
        return Response(body, media_type=LETTER_MEDIA[fmt], headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                       "frame-ancestors 'self'; sandbox", "X-Frame-Options": "SAMEORIGIN"})
    return Response(body, media_type=LETTER_MEDIA[fmt], headers={"Content-Disposition": "inline; filename=undangan.pdf"})


@router.get("/kegiatan/{kegiatan_id}/tindakan/{action}")
async def action_page(request: Request, kegiatan_id: str, action: str, user: CurrentUser, apis: Apis) -> Response:
    k = await use.get(apis, user, kegiatan_id)
    if not user.writes or action not in k["allowed_actions"]:
        return not_allowed(request)
    invitees = await use.optional(use.apis_invitees(apis, user, kegiatan_id)) if action == "publish" else None
    return render(request, "kegiatan_action.html", kegiatan=k, action=action, values=domain.kegiatan_values(k), errors={},
                  invitees=invitees, k=domain)


@router.post("/kegiatan/{kegiatan_id}/tindakan/{action}")
async def act(request: Request, kegiatan_id: str, action: str, user: Writer, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    body: dict = {"action": action}
    if values.get("reason", "").strip():
        body["reason"] = values["reason"].strip()
    try:
        if action == "reschedule":
            times = domain.kegiatan_body({**domain.kegiatan_values(await use.get(apis, user, kegiatan_id)), **values})
            body.update(starts_at=times["starts_at"], ends_at=times["ends_at"])
        await use.transition(apis, user, kegiatan_id, int(values.get("version") or 0), body)
    except (domain.FormError, ApiProblem) as e:
        if isinstance(e, ApiProblem) and e.kind not in ("invalid", "stale-version", "transition-not-allowed", "conflict"):
            raise
        k = await use.get(apis, user, kegiatan_id)
        invitees = await use.optional(use.apis_invitees(apis, user, kegiatan_id)) if action == "publish" else None
        errors = e.errors if isinstance(e, domain.FormError) else _errors(e)
        return render(request, "kegiatan_action.html", status_code=422 if isinstance(e, domain.FormError) else e.status,
                      kegiatan=k, action=action, values={**domain.kegiatan_values(k), **values}, errors=errors,
                      invitees=invitees, k=domain, problem=problems.title(e.kind) if isinstance(e, ApiProblem) else None)
    return see_other(f"/kegiatan/{kegiatan_id}?selesai={action}")


# --- during the invitation period --------------------------------------------------------------

@router.get("/kegiatan/{kegiatan_id}/jawaban")
async def answer_page(request: Request, kegiatan_id: str, user: CurrentUser, apis: Apis) -> Response:
    if not user.writes:
        return not_allowed(request)
    k, p = await use.participant(apis, user, kegiatan_id, request.query_params.get("peserta") or "")
    return render(request, "kegiatan_answer.html", kegiatan=k, p=p, values={"attending": "ya", "via": "telepon"},
                  errors={}, k=domain)


@router.post("/kegiatan/{kegiatan_id}/jawaban")
async def record_answer(request: Request, kegiatan_id: str, user: Writer, apis: Apis) -> Response:
    """An answer received by phone, letter or in person, recorded by staff."""
    values = forms.strings(await request.form())
    attending = values.get("attending") == "ya"
    body = {"attending": attending, "via": values.get("via") or "telepon",
            "delegates": [d.strip() for d in (values.get("delegates") or "").split(",") if d.strip()] if attending else [],
            "reason": None if attending else (values.get("reason") or "").strip() or None}
    try:
        await use.record_answer(apis, user, kegiatan_id, values.get("participant_id", ""), body)
    except ApiProblem as e:
        if e.kind not in ("invalid", "conflict"):
            raise
        k, p = await use.participant(apis, user, kegiatan_id, values.get("participant_id", ""))
        errors = problems.field_errors(e.errors) or {"attending": problems.title(e.kind)}
        return render(request, "kegiatan_answer.html", status_code=e.status, kegiatan=k, p=p, values=values,
                      errors=errors, k=domain)
    return see_other(f"/kegiatan/{kegiatan_id}?selesai=answer#peserta")


@router.get("/kegiatan/{kegiatan_id}/kehadiran")
async def attendance_page(request: Request, kegiatan_id: str, user: CurrentUser, apis: Apis) -> Response:
    """Attendance entered by hand, day by day, for a kegiatan recorded after it took place."""
    data = await use.detail(apis, user, kegiatan_id)
    if not user.writes or not data["kegiatan"].get("recorded") or data["kegiatan"]["status"] != "ongoing":
        return not_allowed(request)
    return render(request, "kegiatan_attendance.html", **data, days=domain.days_of(data["kegiatan"]), errors={}, k=domain)


@router.post("/kegiatan/{kegiatan_id}/kehadiran")
async def attendance(request: Request, kegiatan_id: str, user: Writer, apis: Apis) -> Response:
    form = await request.form()
    k = await use.get(apis, user, kegiatan_id)
    days = domain.days_of(k)
    entries = domain.attendance_entries([(a, b) for a, b in form.multi_items() if isinstance(b, str)], days)
    walk_in = (form.get("walk_in_name") or "").strip() if isinstance(form.get("walk_in_name"), str) else ""
    if walk_in:
        day = str(form.get("walk_in_day") or days[0].isoformat())
        n = str(form.get("walk_in_people") or "1")
        entries.append({"name": walk_in, "day": day, "people": int(n) if n.isdigit() and 1 <= int(n) <= 50 else 1,
                        "institution": (str(form.get("walk_in_institution") or "").strip() or None)})
    try:
        new = await use.record_attendance(apis, user, kegiatan_id, entries)
    except ApiProblem as e:
        if e.kind not in ("invalid", "conflict"):
            raise
        data = await use.detail(apis, user, kegiatan_id)
        return render(request, "kegiatan_attendance.html", status_code=e.status, **data, days=days, k=domain,
                      errors=problems.field_errors(e.errors) or {"day": problems.title(e.kind)})
    return see_other(f"/kegiatan/{kegiatan_id}?selesai=attendance&dicatat={new}#peserta")


@router.post("/kegiatan/{kegiatan_id}/ingatkan")
async def remind(request: Request, kegiatan_id: str, user: Writer, apis: Apis) -> Response:
    form = await request.form()
    chosen = [p for p in form.getlist("participant_id") if isinstance(p, str) and p]
    if not chosen:
        data = await use.detail(apis, user, kegiatan_id)
        return render(request, "kegiatan_detail.html", status_code=422, **data, q="", k=domain,
                      remind_error="Pilih dulu undangan yang akan diingatkan.")
    done = await use.remind(apis, user, kegiatan_id, chosen)
    return see_other(f"/kegiatan/{kegiatan_id}?selesai=reminded&dikirim={done['queued']}&sudah={done['already_today']}"
                     f"&dijawab={done['answered']}#peserta")


@router.post("/kegiatan/{kegiatan_id}/kirim-ulang")
async def resend(request: Request, kegiatan_id: str, user: Writer, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    await use.resend(apis, user, values.get("message_id", ""))
    return see_other(f"/kegiatan/{kegiatan_id}?selesai=resent#pengiriman")


@router.get("/kegiatan/{kegiatan_id}/sertifikat/{participant_id}")
async def certificate(request: Request, kegiatan_id: str, participant_id: str, user: CurrentUser, apis: Apis) -> Response:
    """A participant's certificate of attendance (PDF), for a training they attended every day of."""
    body = await use.certificate_pdf(apis, user, kegiatan_id, participant_id)
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="sertifikat.pdf"'})


@router.get("/kegiatan/{kegiatan_id}/tak-terjangkau")
async def unreachable(request: Request, kegiatan_id: str, user: CurrentUser, apis: Apis) -> Response:
    """The invitees no letter could reach, to contact by hand (printable)."""
    data = await use.detail(apis, user, kegiatan_id)
    return render(request, "kegiatan_unreachable.html", **data, k=domain)


# --- after -------------------------------------------------------------------------------------

@router.post("/kegiatan/{kegiatan_id}/notulen")
async def minutes(request: Request, kegiatan_id: str, user: Writer, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    try:
        await use.save_minutes(apis, user, kegiatan_id, int(values.get("version") or 0), values.get("minutes", ""))
    except ApiProblem as e:
        if e.kind not in ("invalid", "conflict", "stale-version", "transition-not-allowed"):
            raise
        data = await use.detail(apis, user, kegiatan_id)
        return render(request, "kegiatan_detail.html", status_code=e.status, **data, q="", k=domain,
                      outcome_error=problems.title(e.kind) if e.kind != "invalid" else "Notulen tidak boleh kosong.")
    return see_other(f"/kegiatan/{kegiatan_id}?selesai=minutes#hasil")


@router.post("/kegiatan/{kegiatan_id}/aspirasi")
async def aspiration(request: Request, kegiatan_id: str, user: Writer, apis: Apis) -> Response:
    values = forms.strings(await request.form())
    body = {k: (values.get(k) or "").strip() or None for k in ("topic", "text", "raised_by", "follow_up_owner")}
    body["text"] = body["text"] or ""
    try:
        if values.get("aspiration_id"):
            await use.follow_up(apis, user, kegiatan_id, values["aspiration_id"], {
                "status": values.get("status") or "in_progress", "note": body["text"] or None,
                "follow_up_owner": body["follow_up_owner"]})
        else:
            await use.add_aspiration(apis, user, kegiatan_id, body)
    except ApiProblem as e:
        if e.kind not in ("invalid", "conflict", "transition-not-allowed"):
            raise
        data = await use.detail(apis, user, kegiatan_id)
        msg = "; ".join(f"{problems.field_label(f)}: {m}" for f, m in problems.field_errors(e.errors).items())
        return render(request, "kegiatan_detail.html", status_code=e.status, **data, q="", k=domain,
                      outcome_error=msg or problems.title(e.kind))
    return see_other(f"/kegiatan/{kegiatan_id}?selesai=aspiration#hasil")
