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
from tests.helpers import KafkaProbe

RUN_ID = uuid.uuid4().hex[:6]
TEST_PORTS = {"registry": 18001, "events": 18002, "notifications": 18003, "reporting": 18004}


@dataclasses.dataclass
class Infra:
    kafka: str
    mongo_url: str
    redis_url: str
    smtp_host: str
    smtp_port: int
    mail_dir: Path
    private_key: bytes
    public_key: bytes


@pytest.fixture(scope="session")
def infra() -> Infra:
    """Kafka, FerretDB, Redis and the SMTP sink: reused if running, else started for this session."""
    stack.ensure_dev_keys()
    group = stack.ProcessGroup(stack.DATA / "run", stack.DATA / "logs")
    started = stack.bring_up(group, stack.infra_components())
    urls = stack.infra_urls()
    keys = stack.DATA / "keys"
    yield Infra(
        kafka=urls["kafka"], mongo_url=urls["mongo"], redis_url=urls["redis"], smtp_host=urls["smtp_host"],
        smtp_port=int(urls["smtp_port"]), mail_dir=Path(urls["mail_dir"]),
        private_key=(keys / "jwt-dev-private.pem").read_bytes(), public_key=(keys / "jwt-dev-public.pem").read_bytes(),
    )
    for name in reversed(started):
        group.stop(name)


@dataclasses.dataclass
class Platform:
    infra: Infra
    group: stack.ProcessGroup
    topic_prefix: str
    db_suffix: str
    urls: dict[str, str]
    redis_urls: dict[str, str]
    extra_env: dict[str, dict[str, str]]

    def topic(self, logical: str) -> str:
        return self.topic_prefix + logical

    def db_name(self, service: str) -> str:
        return f"kesbang_{service}{self.db_suffix}"

    def env(self, service: str) -> dict[str, str]:
        return stack.service_env(service, db_suffix=self.db_suffix, topic_prefix=self.topic_prefix,
                                 extra=self.extra_env.get(service, {}))


@pytest.fixture(scope="session")
def platform(infra: Infra, tmp_path_factory) -> Platform:
    """The four services, their consumers and Celery workers, as real processes, once per session."""
    prefix, suffix = f"t{RUN_ID}.", f"_t{RUN_ID}"
    run_dir = stack.DATA / "test-run" / RUN_ID
    group = stack.ProcessGroup(run_dir, stack.DATA / "logs" / f"test-{RUN_ID}")
    redis_urls = {s: f"{infra.redis_url}/{8 + i}" for i, s in enumerate(stack.SERVICES)}
    extra_env = {s: {f"{s.upper()}_REDIS_URL": redis_urls[s]} for s in stack.SERVICES}
    comps = stack.service_components(ports=TEST_PORTS, db_suffix=suffix, topic_prefix=prefix, run_dir=run_dir,
                                     extra_env=extra_env)
    started = stack.bring_up(group, comps, reuse=False)
    p = Platform(infra=infra, group=group, topic_prefix=prefix, db_suffix=suffix,
                 urls={s: f"http://127.0.0.1:{port}" for s, port in TEST_PORTS.items()},
                 redis_urls=redis_urls, extra_env=extra_env)
    yield p
    for name in reversed(started):
        group.stop(name)
    asyncio.run(_drop_test_data(infra, p))
    shutil.rmtree(run_dir, ignore_errors=True)


async def _drop_test_data(infra: Infra, p: Platform) -> None:
    client = AsyncMongoClient(infra.mongo_url)
    try:
        for name in await client.list_database_names():
            if name.endswith(p.db_suffix):
                await client.drop_database(name)
    finally:
        await client.close()
    await KafkaProbe(infra.kafka).delete_topics_with_prefix(p.topic_prefix)


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
    yield client
    await client.close()


@pytest.fixture()
def kafka(infra: Infra) -> KafkaProbe:
    return KafkaProbe(infra.kafka)


def pytest_report_header(config):
    return f"kesbang test run {RUN_ID} (topics t{RUN_ID}.*, databases *_t{RUN_ID}); CI={os.environ.get('CI', '')}"
