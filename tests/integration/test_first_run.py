"""The first admin of a new installation, made with the one-time setup code (registry use case,
against the real database and Redis): a wrong code is refused and counted by the login throttle,
the right one makes a national admin once, and nothing more is made after that."""

from __future__ import annotations

import uuid

import pytest
import redis.asyncio as aioredis

from services.registry.adapters.accounts import Accounts
from services.registry.adapters.throttle import LoginThrottle
from services.registry.application import accounts as use
from services.registry.settings import Settings
from shared import errors


@pytest.fixture()
async def fresh(mongo, infra, tmp_path):
    name = f"it_setup_{uuid.uuid4().hex[:8]}"
    code_file = tmp_path / "setup-code"
    code_file.write_text("ABCD-EFGH-JKLM-NPQR\n")
    r = aioredis.from_url(f"{infra.redis_url}/14")
    throttle = LoginThrottle(r, account_max=5, address_max=3, window=60, namespace=uuid.uuid4().hex[:6])
    yield Accounts(mongo[name]), throttle, Settings(setup_code_file=code_file)
    await r.aclose()
    await mongo.drop_database(name)


ADMIN = {"username": "kepala.tu", "full_name": "Kepala Tata Usaha", "password": "rahasia-pertama-2026"}


async def test_the_setup_code_makes_one_national_admin_and_only_while_none_exists(fresh):
    accounts, throttle, config = fresh
    assert await use.setup_needed(accounts, config) == {"needed": True, "available": True}
    with pytest.raises(errors.Invalid) as wrong:
        await use.first_admin(accounts, throttle, config, "203.0.113.5", code="AAAA-BBBB-CCCC-DDDD", **ADMIN)
    assert wrong.value.extra["errors"][0]["field"] == "code"
    assert not await accounts.has_admin()  # nothing written by a wrong code

    made = await use.first_admin(accounts, throttle, config, "203.0.113.5", code=" ABCD-EFGH-JKLM-NPQR ", **ADMIN)
    assert made["role"] == "admin" and made["region"] == "" and made["password"].startswith("$argon2")
    assert await use.setup_needed(accounts, config) == {"needed": False, "available": False}
    with pytest.raises(errors.Conflict):  # the code is spent: an admin exists
        await use.first_admin(accounts, throttle, config, "203.0.113.5", code="ABCD-EFGH-JKLM-NPQR",
                              **{**ADMIN, "username": "penyusup"})
    assert await accounts.user("penyusup") is None


async def test_wrong_setup_codes_are_throttled_like_failed_logins(fresh):
    accounts, throttle, config = fresh
    for _ in range(3):
        with pytest.raises(errors.Invalid):
            await use.first_admin(accounts, throttle, config, "198.51.100.4", code="TEBAK-TEBAK", **ADMIN)
    with pytest.raises(errors.TooManyRequests):  # even the right code waits out the window now
        await use.first_admin(accounts, throttle, config, "198.51.100.4", code="ABCD-EFGH-JKLM-NPQR", **ADMIN)
    assert not await accounts.has_admin()


async def test_without_a_setup_code_only_the_cli_makes_the_first_admin(fresh):
    accounts, throttle, _ = fresh
    config = Settings(setup_code_file=None)
    assert await use.setup_needed(accounts, config) == {"needed": True, "available": False}
    with pytest.raises(errors.NotFound):
        await use.first_admin(accounts, throttle, config, "203.0.113.5", code="ABCD-EFGH-JKLM-NPQR", **ADMIN)
