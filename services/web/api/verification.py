"""The public page of a signed document (``/verifikasi/<kode>``, no login): what its
verification code stands for, and the check of a file someone holds — its hash and its office's
signature, as notifications checks them. The code, typed or from the QR code, is the key."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from services.web.adapters.apis import ApiProblem
from services.web.api.auth import _anonymous_form, _anonymous_token_ok
from services.web.api.pages import render, see_other
from services.web.deps import Apis, Config

router = APIRouter()
MAX_PDF = 5 * 1024 * 1024
CODE = re.compile(r"^[A-Za-z2-7]{5}-?[A-Za-z2-7]{5}$")


def _code(value: str) -> str | None:
    v = re.sub(r"\s", "", value or "")
    return v.replace("-", "").upper() if CODE.match(v) else None


@router.get("/verifikasi")
async def lookup(request: Request, kode: str = "") -> Response:
    if not kode:
        return render(request, "verification.html", record=None, code="")
    code = _code(kode)
    if code is None:
        return render(request, "verification.html", status_code=422, record=None, code=kode[:40],
                      error="Kode verifikasi terdiri dari 10 huruf dan angka, misalnya ABCDE-FGH23.")
    return see_other(f"/verifikasi/{code}")


async def _document(apis, code: str):
    try:
        return await apis.notifications.get(f"/documents/{code}", None)
    except ApiProblem as e:
        if e.status == 404:
            return None
        raise


async def _page(request: Request, config, apis, code: str, *, status_code: int = 200, **ctx) -> Response:
    record = await _document(apis, code) if _code(code) else None
    if record is None:
        return render(request, "verification.html", status_code=404, record=None, code=code[:40],
                      error="Tidak ada dokumen bertanda tangan dengan kode ini. Periksa kembali kode pada dokumen.")
    return _anonymous_form(request, config, "verification.html", status_code=status_code, record=record,
                           code=record["code"], **ctx)


@router.get("/verifikasi/{code}")
async def document(code: str, request: Request, config: Config, apis: Apis) -> Response:
    return await _page(request, config, apis, code)


@router.post("/verifikasi/{code}")
async def check(code: str, request: Request, config: Config, apis: Apis) -> Response:
    form = await request.form()
    if not _anonymous_token_ok(request, str(form.get("csrf") or "")):
        return await _page(request, config, apis, code, status_code=403,
                           check_error="Formulir kedaluwarsa. Silakan pilih berkas dan periksa sekali lagi.")
    file = form.get("file")
    data = await file.read() if isinstance(file, UploadFile) and file.filename else b""
    if not data.startswith(b"%PDF-"):
        return await _page(request, config, apis, code, status_code=422,
                           check_error="Pilih berkas PDF dokumen yang ingin diperiksa.")
    normal = _code(code)
    if normal is None:
        return await _page(request, config, apis, code)
    try:
        result = await apis.notifications.post(f"/documents/{normal}/check", None, content=data,
                                               headers={"Content-Type": "application/pdf"})
    except ApiProblem as e:
        if e.status not in (404, 413, 422):
            raise
        return await _page(request, config, apis, code, status_code=e.status,
                           check_error="Berkas ini tidak dapat diperiksa (bukan PDF, atau lebih dari 5 MB).")
    return await _page(request, config, apis, code, result=result)


