"""Test session: the real servers are started once (or reused when `make run` is up), and the
services run as their own processes under a per-run topic prefix, database names and Redis
databases, so a test run never touches the data of `make run` or of an earlier run."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from deploy.local import stack
from shared import auth
from shared import mongo as mongo_lib
from tests.helpers import KafkaProbe
from tests.mailbox import Mailbox

# settings default to production's checks; settings built inside the test process are development's
for _prefix in ("", "REGISTRY_", "EVENTS_", "NOTIFICATIONS_", "REPORTING_"):
    os.environ.setdefault(f"{_prefix}ENVIRONMENT", "development")

RUN_ID = uuid.uuid4().hex[:6]
TEST_PORTS = {"registry": 18001, "events": 18002, "notifications": 18003, "reporting": 18004, "earlywarning": 18005, "web": 18000}


@dataclasses.dataclass
class Infra:
    kafka: str
    mongo_url: str
    redis_url: str
    smtp_host: str
    smtp_port: int
    mailbox: Mailbox
    providers_dir: Path
    private_key: bytes
    public_key: bytes


@pytest.fixture(scope="session")
def infra() -> Infra:
    """Kafka, FerretDB, Redis and Mailpit: reused if running, else started for this session."""
    stack.ensure_dev_keys()
    stack.ensure_setup_code()
    group = stack.ProcessGroup(stack.DATA / "run", stack.DATA / "logs")
    started = stack.bring_up(group, stack.infra_components())
    urls = stack.infra_urls()
    keys = stack.DATA / "keys"
    yield Infra(
        kafka=urls["kafka"], mongo_url=urls["mongo"], redis_url=urls["redis"], smtp_host=urls["smtp_host"],
        smtp_port=int(urls["smtp_port"]), mailbox=Mailbox(urls["mailpit"]), providers_dir=Path(urls["providers_dir"]),
        private_key=(keys / "jwt-dev-private.pem").read_bytes(), public_key=(keys / "jwt-dev-public.pem").read_bytes(),
    )
    for name in reversed(started):
        group.stop(name)


Platform = stack.IsolatedPlatform


@pytest.fixture(scope="session")
def platform(infra: Infra) -> Platform:
    """The four services, their consumers and Celery workers, as real processes, once per session."""
    # reminders in tests go to participants invited moments ago (in production: not within 12 hours);
    # no quiet hours, or WhatsApp and SMS would wait for the morning when the suite runs after 21.00
    # WIB (the quiet-hours rule has its own unit tests)
    p = stack.start_isolated(RUN_ID, TEST_PORTS, redis_db_base=8,
                             # every test logs in from 127.0.0.1: the per-address throttle is tested on its own
                             extra_env={"registry": {"REGISTRY_LOGIN_ADDRESS_MAX_FAILURES": "1000000"},
                                        "notifications": {"NOTIFICATIONS_REMINDER_GRACE_SECONDS": "0",
                                                          "NOTIFICATIONS_QUIET_FROM": "0", "NOTIFICATIONS_QUIET_UNTIL": "0"},
                                        "reporting": {"REPORTING_METRICS_EVERY_SECONDS": "5"},
                                        # the access token is renewed every second: a deactivation shows at once
                                        "web": {"WEB_SESSION_CHECK_SECONDS": "1"}})
    p.infra = infra
    yield p
    p.stop()
    asyncio.run(stack.drop_isolated_data(p))


@pytest.fixture(scope="session")
def mint(infra: Infra):
    def _mint(role: str, region: str, *, subject: str = "tester", ttl: dt.timedelta = dt.timedelta(hours=1)) -> str:
        return auth.mint(infra.private_key, subject=subject, role=role, region=region,
                         issuer="kesbang-registry", audience="kesbang", ttl=ttl)

    return _mint


@pytest.fixture(scope="session")
def headers(mint):
    def _headers(role: str, region: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint(role, region)}"}

    return _headers


@pytest.fixture()
async def mongo(infra: Infra):
    client = AsyncMongoClient(infra.mongo_url, tz_aware=True)
    await mongo_lib.detect(client["admin"])  # adapters called in this process take the server's paths
    yield client
    await client.close()


@pytest.fixture()
async def browser():
    """Debian's Chromium driven by Playwright (no browser download; make test installs it)."""
    from playwright.async_api import async_playwright

    chromium = shutil.which("chromium")
    assert chromium, "make test installs Debian's chromium (deploy/local/browser.sh)"
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            yield b
        finally:
            await b.close()


@pytest.fixture()
def kafka(infra: Infra) -> KafkaProbe:
    return KafkaProbe(infra.kafka)


def pytest_report_header(config):
    return f"kesbang test run {RUN_ID} (topics t{RUN_ID}.*, databases *_t{RUN_ID}); CI={os.environ.get('CI', '')}"
