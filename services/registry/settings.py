from pathlib import Path

from pydantic import Field

from shared.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("REGISTRY_")
    service_name: str = "registry"
    mongo_db: str = "kesbang_registry"  # as the local stack and compose name it
    # the API's own writes wake its relay and the workers hint it at theirs; the full sweep (on
    # FerretDB a decode of every ormas) only finds what a crash left behind
    outbox_sweep_seconds: float = 300.0
    # SKT numbers are unique per issuing office: {seq} the office's running number in {year},
    # {office} the office's region code, {region} the ormas's.
    skt_number_format: str = "220/{seq:04d}/SKT/{office}/{year}"
    # access tokens are short so that a deactivated account stops within minutes; the refresh token
    # renews them at the registry, which checks that the account is still active
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    session_hours: float = Field(default=8, gt=0, le=24)
    # failed logins per account and per client address within the window (see adapters/throttle.py)
    login_account_max_failures: int = Field(default=5, ge=1)
    login_address_max_failures: int = Field(default=50, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    # the one-time code that lets the first admin be created from the web application's first-run
    # page while no admin exists (make run writes and prints it); unset: only the CLI creates one
    setup_code_file: Path | None = None
