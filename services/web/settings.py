"""The web application's settings (``WEB_`` prefix). It owns no database: the five service APIs,
and Redis for sessions."""

from __future__ import annotations

from pathlib import Path

from shared.settings import ProcessSettings, service_config

ROOT = Path(__file__).resolve().parents[2]


class Settings(ProcessSettings):
    model_config = service_config("WEB_")

    service_name: str = "web"
    registry_url: str = "http://127.0.0.1:8001"
    events_url: str = "http://127.0.0.1:8002"
    notifications_url: str = "http://127.0.0.1:8003"
    reporting_url: str = "http://127.0.0.1:8004"
    earlywarning_url: str = "http://127.0.0.1:8005"
    redis_url: str = "redis://127.0.0.1:6379/5"
    session_idle_minutes: int = 30  # a session nobody used this long has ended
    session_check_seconds: int = 60  # the access token is renewed this often: a deactivated account stops within it
    vendor_dir: Path = ROOT / ".tools" / "web"  # front-end packages installed from npm (deploy/local/bootstrap.sh)
    api_timeout_seconds: float = 15.0

    @property
    def secure_cookies(self) -> bool:
        return self.environment not in ("development", "test")
