"""Settings read from the environment, one prefix per service (``REGISTRY_``, ``EVENTS_`` …)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_KEY_MARKER = "jwt-dev-"
# The first line of every development key file (deploy/local/stack.py writes it): a development
# key is recognised by its content, whatever the file is called.
DEV_KEY_TEXT = "Kesbang development key: never use it outside development"


class ProcessSettings(BaseSettings):
    """What every process of the platform reads, the web application's too."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "kesbang"
    # fail closed: a process started without *_ENVIRONMENT runs with production's checks (the local
    # stack and the tests set development)
    environment: Literal["development", "test", "staging", "production"] = "production"
    redis_url: str = "redis://127.0.0.1:6379/0"
    log_level: str = "INFO"


class ServiceSettings(ProcessSettings):
    """What every domain service reads. Subclasses set ``model_config = service_config("REGISTRY_")``."""

    mongo_url: str = "mongodb://127.0.0.1:27017/"
    mongo_db: str = "kesbang"
    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_prefix: str = ""
    topic_partitions: int = 6
    jwt_public_key_file: Path | None = None
    jwt_private_key_file: Path | None = None
    jwt_issuer: str = "kesbang-registry"
    jwt_audience: str = "kesbang"
    ready_file: Path | None = None
    # where a consumer or worker process serves /metrics for Prometheus (the APIs serve theirs on
    # their own port); none when unset
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    outbox_max_pending: int = 100
    outbox_poll_seconds: float = 1.0
    outbox_sweep_seconds: float = 30.0
    # the web application, where people's pages live (a service's old page addresses redirect there)
    web_url: str = "http://127.0.0.1:8000"

    @model_validator(mode="after")
    def _no_default_secrets_outside_development(self) -> "ServiceSettings":
        if self.environment in ("development", "test"):
            return self
        if self.jwt_public_key_file is None:
            raise ValueError(f"{self.environment}: jwt_public_key_file must be set")
        for f in (self.jwt_public_key_file, self.jwt_private_key_file):
            if f is not None and (DEV_KEY_MARKER in f.name or _is_development_key(f)):
                raise ValueError(f"{self.environment}: refusing the development key {f}")
        return self

    def topic(self, name: str) -> str:
        """The physical topic for a logical one (``registry.ormas``); tests run under a prefix."""
        return f"{self.topic_prefix}{name}"


def _is_development_key(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return DEV_KEY_TEXT.encode() in fh.read(4096)
    except OSError:
        return False  # a missing file fails where it is read, with its own message


def service_config(prefix: str) -> SettingsConfigDict:
    """Settings from ``<PREFIX>_<NAME>`` variables, or from a file named ``<prefix>_<name>`` in
    ``KESBANG_SECRETS_DIR`` (compose mounts credentials at /run/secrets); a variable wins."""
    return SettingsConfigDict(env_prefix=prefix, extra="ignore", secrets_dir=os.environ.get("KESBANG_SECRETS_DIR") or None)
