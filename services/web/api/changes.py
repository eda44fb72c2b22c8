"""Changes of contacts and board an ormas asks for from its portal (``/portal/perubahan``), and the
office's decisions on them (``/ormas/perubahan``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.adapters.apis import ApiProblem
from services.web.api.pages import not_allowed, render, see_other
from services.web.deps import Apis, CurrentUser, Writer
from services.web.domain import forms

router = APIRouter()
POSITIONS = {"ketua": "Ketua", "wakil_ketua": "Wakil ketua", "sekretaris": "Sekretaris",
             "wakil_sekretaris": "Wakil sekretaris", "bendahara": "Bendahara", "wakil_bendahara": "Wakil bendahara",
             "pembina": "Pembina", "penasihat": "Penasihat", "anggota": "Anggota"}
ROWS = 5


def _body(values: dict[str, str]) -> dict:
    body: dict = {"reason": values.get("reason", "").strip() or None}
    contacts = {k: values.get(k, "").strip() or None for k in ("email", "phone", "whatsapp")
                if values.get(k, "").strip() != values.get(f"current-{k}", "").strip()}  # only what changed
    if any(contacts.values()):
        body["contacts"] = {k: v for k, v in contacts.items() if v}
    officers = [{"name": values.get(f"name-{i}", "").strip(), "position": values.get(f"position-{i}", ""),
                 "nik": values.get(f"nik-{i}", "").strip(), "phone": values.get(f"ophone-{i}", "").strip() or None}
                for i in range(ROWS) if values.get(f"name-{i}", "").strip()]
    if officers:
        body["officers"] = officers
    return body


async def _page(request: Request, user, apis, *, status: int = 200, values=None, error=None) -> Response:
    ormas, asked = (await apis.registry.get("/portal/ormas", user.access_token),
                    await apis.registry.get("/portal/change-requests", user.access_token))
    values = values if values is not None else {k: ormas.get(k) or "" for k in ("email", "phone", "whatsapp")}
    return render(request, "portal_changes.html", status_code=status, ormas=ormas, asked=asked, values=values,
                  error=error, positions=POSITIONS, rows=ROWS, sent=request.query_params.get("terkirim"))


@router.get("/portal/perubahan")
async def page(request: Request, user: CurrentUser, apis: Apis) -> Response:
    if user.role != "ormas":
        return not_allowed(request)
    return await _page(request, user, apis)


@router.post("/portal/perubahan")
async def ask(request: Request, user: Writer, apis: Apis) -> Response:
    if user.role != "ormas":
        return not_allowed(request)
    values = forms.strings(await request.form())
    try:
        await apis.registry.post("/portal/change-requests", user.access_token, json=_body(values))
    except ApiProblem as e:
        if e.kind != "invalid":
            raise
        return await _page(request, user, apis, status=422, values=values,
                           error="Periksa isian: surel dan nomor telepon yang benar, pengurus dengan jabatan dan NIK "
                                 "16 angka yang sah, satu ketua, satu sekretaris, dan satu bendahara.")
    return see_other("/portal/perubahan?terkirim=1")


@router.post("/portal/perpanjangan")
async def renewal(request: Request, user: Writer, apis: Apis) -> Response:
    if user.role != "ormas":
        return not_allowed(request)
    try:
        await apis.registry.post("/portal/change-requests", user.access_token, json={"renewal": True})
    except ApiProblem as e:
        if e.kind != "conflict":
            raise
        return render(request, "error.html", status_code=409, kind="conflict",
                      title="Perpanjangan sudah diajukan, atau masa berlaku pendaftaran belum akan berakhir.")
    return see_other("/portal?selesai=perpanjangan")


@router.get("/ormas/kemendagri.csv")
async def kemendagri_export(request: Request, user: CurrentUser, apis: Apis) -> Response:
    """The applications forwarded to Kemendagri, as the file its system is fed from."""
    r = await apis.registry.call("GET", "/applications/forwarded", user.access_token, params={"format": "csv"})
    return Response(r.content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="permohonan-skt-kemendagri.csv"'})


@router.get("/ormas/perubahan")
async def pending(request: Request, user: CurrentUser, apis: Apis) -> Response:
    asked = await apis.registry.get("/change-requests", user.access_token, params={"status": "pending"})
    return render(request, "ormas_changes.html", asked=asked, positions=POSITIONS, done=request.query_params.get("selesai"))


@router.post("/ormas/perubahan/{change_id}")
async def decide(request: Request, change_id: str, user: Writer, apis: Apis) -> Response:
    if user.role not in ("operator", "admin", "verifier", "head"):  # the registry says who decides which
        return not_allowed(request)
    values = forms.strings(await request.form())
    await apis.registry.post(f"/change-requests/{change_id}/decision", user.access_token,
                             json={"approve": values.get("approve") == "1", "note": values.get("note", "").strip() or None})
    return see_other("/ormas/perubahan?selesai=" + ("disetujui" if values.get("approve") == "1" else "ditolak"))
