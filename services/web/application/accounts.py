"""Accounts and office settings for an office's admin: the registry decides every scope and rule."""

from __future__ import annotations

from typing import Any

from services.web.adapters.apis import ApiProblem, Apis
from services.web.application.session import User


async def users(apis: Apis, user: User, *, region: str | None, active: bool | None, cursor: str | None) -> dict[str, Any]:
    return await apis.registry.get("/users", user.access_token, params={"region": region, "active": active,
                                                                         "cursor": cursor, "limit": 50})


async def account(apis: Apis, user: User, username: str) -> dict[str, Any]:
    return await apis.registry.get(f"/users/{username}", user.access_token)


async def create(apis: Apis, user: User, fields: dict[str, Any]) -> dict[str, Any]:
    return await apis.registry.post("/users", user.access_token, json=fields)


async def change(apis: Apis, user: User, username: str, fields: dict[str, Any]) -> dict[str, Any]:
    return (await apis.registry.call("PATCH", f"/users/{username}", user.access_token, json=fields)).json()


async def reset_password(apis: Apis, user: User, username: str, password: str) -> None:
    await apis.registry.call("POST", f"/users/{username}/password", user.access_token, json={"password": password})


async def unlock(apis: Apis, user: User, username: str) -> None:
    await apis.registry.call("POST", f"/users/{username}/unlock", user.access_token)


async def office(apis: Apis, user: User, region: str) -> dict[str, Any] | None:
    """The office's settings; None when they were never written."""
    try:
        return await apis.registry.get(f"/offices/{region}", user.access_token)
    except ApiProblem as e:
        if e.status == 404:
            return None
        raise


async def save_office(apis: Apis, user: User, region: str, fields: dict[str, Any]) -> dict[str, Any]:
    return (await apis.registry.call("PUT", f"/offices/{region}", user.access_token, json=fields)).json()
