"""The import wizard's pages (operators and admins)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from services.web.adapters.apis import ApiProblem
from services.web.api.pages import not_allowed, render, see_other
from services.web.application import imports as use
from services.web.deps import Apis, CurrentUser, Writer
from services.web.domain import problems
from shared.web import content_disposition

router = APIRouter()


@router.get("/ormas/impor")
async def upload_page(request: Request, user: CurrentUser) -> Response:
    if not user.writes:
        return not_allowed(request)
    return render(request, "import_upload.html", errors={})


@router.post("/ormas/impor")
async def upload(request: Request, user: Writer, apis: Apis) -> Response:
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return render(request, "import_upload.html", status_code=422, errors={"file": "Pilih berkas CSV atau XLSX."})
    try:
        job = await use.upload(apis, user, file.filename, await file.read(),
                               file.content_type or "application/octet-stream", str(form.get("region") or "") or None)
    except ApiProblem as e:
        if e.kind not in ("invalid", "too-large"):
            raise
        errors = problems.field_errors(e.errors) or {"file": problems.title(e.kind)}
        if "file" in errors:
            errors["file"] = "Berkas ini tidak dapat dibaca sebagai CSV atau XLSX, atau kosong."
        return render(request, "import_upload.html", status_code=e.status, errors=errors)
    return see_other(f"/ormas/impor/{job['id']}")


@router.get("/ormas/impor/{job_id}")
async def job_page(request: Request, job_id: str, user: CurrentUser, apis: Apis) -> Response:
    job = await use.job(apis, user, job_id)
    return render(request, "import_job.html", job=job, polling=job["status"] in use.IN_PROGRESS,
                  refused=use.refused_rows(job["report"]) if job.get("report") else [])


@router.post("/ormas/impor/{job_id}")
async def confirm(request: Request, job_id: str, user: Writer, apis: Apis) -> Response:
    try:
        await use.confirm(apis, user, job_id)
    except ApiProblem as e:
        if e.kind != "transition-not-allowed":
            raise  # confirmed twice (another tab): the page shows where it stands
    return see_other(f"/ormas/impor/{job_id}")


@router.get("/ormas/impor/{job_id}/ditolak.csv")
async def refused(job_id: str, user: CurrentUser, apis: Apis) -> Response:
    job = await use.job(apis, user, job_id)
    return Response(use.refused_csv(job.get("report") or {}), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": content_disposition(f"baris-ditolak-{job_id[:8]}.csv")})
