"""Signing in and out, and the user's own password."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.web.adapters.apis import ApiProblem
from services.web.api.pages import client_address, render, see_other
from services.web.application import session
from services.web.deps import COOKIE, Apis, Config, CurrentUser, Sessions, Writer
from services.web.domain import problems

router = APIRouter()
FORM_CSRF = "kesbang_formulir"  # double-submit token of the forms shown before a session exists


def _anonymous_form(request: Request, config, name: str, *, status_code: int = 200, **ctx) -> Response:
    token = secrets.token_urlsafe(24)
    page = render(request, name, status_code=status_code, csrf=token, **ctx)
    page.set_cookie(FORM_CSRF, token, httponly=True, samesite="lax", secure=config.secure_cookies, path="/")
    return page


def _anonymous_token_ok(request: Request, sent: str) -> bool:
    cookie = request.cookies.get(FORM_CSRF) or ""
    return bool(sent) and hmac.compare_digest(sent, cookie)


def _signed_in_page(sid: str, config) -> Response:
    page = see_other("/beranda")
    page.set_cookie(COOKIE, sid, httponly=True, samesite="lax", secure=config.secure_cookies, path="/")
    page.delete_cookie(FORM_CSRF, path="/")
    return page


async def _login_form(request: Request, config, apis, *, status_code: int = 200, error: str | None = None,
                      username: str = "", expired: bool = False, activated: bool = False) -> Response:
    try:
        setup = (await session.setup_state(apis))["available"]
    except ApiProblem:
        setup = False
    return _anonymous_form(request, config, "login.html", status_code=status_code, error=error, username=username,
                           expired=expired, setup=setup, activated=activated)


@router.get("/")
async def root(request: Request) -> Response:
    return see_other("/beranda" if request.cookies.get(COOKIE) else "/masuk")


@router.get("/masuk")
async def login_page(request: Request, config: Config, apis: Apis, berakhir: int = 0, aktif: int = 0,
                     pengguna: str = "") -> Response:
    return await _login_form(request, config, apis, expired=bool(berakhir), activated=bool(aktif),
                             username=pengguna[:64])


@router.post("/masuk")
async def login(request: Request, apis: Apis, sessions: Sessions, config: Config,
                username: str = Form(default="", max_length=64), password: str = Form(default="", max_length=200),
                csrf: str = Form(default="", max_length=100)) -> Response:
    if not _anonymous_token_ok(request, csrf):
        return await _login_form(request, config, apis, status_code=403, username=username,
                                 error="Formulir kedaluwarsa. Silakan coba masuk sekali lagi.")
    client = client_address(request)
    try:
        sid = await session.login(apis, sessions, username.strip(), password, client,
                                  check_seconds=config.session_check_seconds)
    except ApiProblem as e:
        error = {"unauthenticated": "Nama pengguna atau kata sandi salah.",
                 "invalid": "Isi nama pengguna dan kata sandi."}.get(e.kind, problems.title(e.kind))
        return await _login_form(request, config, apis, status_code=e.status if e.status in (401, 422, 429) else 503,
                                 username=username, error=error)
    return _signed_in_page(sid, config)


@router.get("/pasang")
async def setup_page(request: Request, config: Config, apis: Apis) -> Response:
    """First run: the installation has no admin yet; the setup code make run printed makes one."""
    state = await session.setup_state(apis)
    if not state["needed"]:
        return see_other("/masuk")
    return _anonymous_form(request, config, "setup.html", available=state["available"], values={}, errors={})


@router.post("/pasang")
async def setup(request: Request, apis: Apis, sessions: Sessions, config: Config) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("code", "full_name", "username", "password", "repeat_password")}
    if not _anonymous_token_ok(request, str(form.get("csrf") or "")):
        return _anonymous_form(request, config, "setup.html", status_code=403, available=True, values=values,
                               errors={}, problem="Formulir kedaluwarsa. Silakan isi sekali lagi.")
    if values["password"] != values["repeat_password"]:
        return _anonymous_form(request, config, "setup.html", status_code=422, available=True, values=values,
                               errors={"repeat_password": "Kata sandi dan ulangannya tidak sama."})
    client = client_address(request)
    try:
        sid = await session.first_admin(apis, sessions, code=values["code"], username=values["username"].strip(),
                                        full_name=values["full_name"].strip(), password=values["password"],
                                        client=client, check_seconds=config.session_check_seconds)
    except ApiProblem as e:
        if e.kind == "conflict":
            return see_other("/masuk")
        if e.kind not in ("invalid", "too-many-requests"):
            raise
        errors = problems.field_errors(e.errors)
        if "code" in errors:
            errors["code"] = "Kode pemasangan salah. Lihat keluaran perintah make run."
        return _anonymous_form(request, config, "setup.html", status_code=e.status, available=True, values=values,
                               errors=errors, problem=problems.title(e.kind))
    return _signed_in_page(sid, config)


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
