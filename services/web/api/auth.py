"""Signing in and out, and the user's own password."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.web.adapters.apis import ApiProblem
from services.web.api.pages import render, see_other
from services.web.application import session
from services.web.deps import COOKIE, Apis, Config, CurrentUser, Sessions, Writer
from services.web.domain import problems

router = APIRouter()
LOGIN_CSRF = "kesbang_masuk"  # double-submit token of the login form (there is no session yet)


def _login_form(request: Request, config, *, status_code: int = 200, error: str | None = None,
                username: str = "", expired: bool = False) -> Response:
    token = secrets.token_urlsafe(24)
    page = render(request, "login.html", status_code=status_code, csrf=token, error=error, username=username,
                  expired=expired)
    page.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="lax", secure=config.secure_cookies, path="/masuk")
    return page


@router.get("/")
async def root(request: Request) -> Response:
    return see_other("/beranda" if request.cookies.get(COOKIE) else "/masuk")


@router.get("/masuk")
async def login_page(request: Request, config: Config, berakhir: int = 0) -> Response:
    return _login_form(request, config, expired=bool(berakhir))


@router.post("/masuk")
async def login(request: Request, apis: Apis, sessions: Sessions, config: Config,
                username: str = Form(default="", max_length=64), password: str = Form(default="", max_length=200),
                csrf: str = Form(default="", max_length=100)) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF) or ""
    if not csrf or not hmac.compare_digest(csrf, cookie):
        return _login_form(request, config, status_code=403, username=username,
                           error="Formulir kedaluwarsa. Silakan coba masuk sekali lagi.")
    client = request.client.host if request.client else "unknown"
    try:
        sid = await session.login(apis, sessions, username.strip(), password, client,
                                  check_seconds=config.session_check_seconds)
    except ApiProblem as e:
        error = {"unauthenticated": "Nama pengguna atau kata sandi salah.",
                 "invalid": "Isi nama pengguna dan kata sandi."}.get(e.kind, problems.title(e.kind))
        return _login_form(request, config, status_code=e.status if e.status in (401, 422, 429) else 503,
                           username=username, error=error)
    page = see_other("/beranda")
    page.set_cookie(COOKIE, sid, httponly=True, samesite="lax", secure=config.secure_cookies, path="/")
    page.delete_cookie(LOGIN_CSRF, path="/masuk")
    return page


@router.post("/keluar")
async def logout(request: Request, user: Writer, sessions: Sessions) -> Response:
    await session.logout(sessions, user.session_id)
    page = see_other("/masuk")
    page.delete_cookie(COOKIE, path="/")
    return page


@router.get("/akun/sandi")
async def password_page(request: Request, user: CurrentUser) -> Response:
    return render(request, "password.html", errors={})


@router.post("/akun/sandi")
async def change_password(request: Request, user: Writer, apis: Apis, sessions: Sessions,
                          current_password: str = Form(default="", max_length=200),
                          new_password: str = Form(default="", max_length=200),
                          repeat_password: str = Form(default="", max_length=200)) -> Response:
    if new_password != repeat_password:
        return render(request, "password.html", status_code=422,
                      errors={"repeat_password": "Kata sandi baru dan ulangannya tidak sama."})
    try:
        await session.change_password(apis, sessions, user, current_password, new_password)
    except ApiProblem as e:
        if e.kind != "invalid":
            raise
        return render(request, "password.html", status_code=422, errors=problems.field_errors(e.errors))
    page = see_other("/masuk?sandi=1")
    page.delete_cookie(COOKIE, path="/")
    return page
