import re
from pathlib import Path

from pydantic import SecretStr, model_validator

from shared.settings import ServiceSettings, service_config

DEV_TOKEN_SECRET = "development-only-rsvp-and-check-in-secret"


class Settings(ServiceSettings):
    model_config = service_config("EVENTS_")
    service_name: str = "events"
    mongo_db: str = "kesbang_events"  # as the local stack and compose name it
    # signs the RSVP links and check-in QR codes of invitations (HMAC-SHA256)
    token_secret: SecretStr = SecretStr(DEV_TOKEN_SECRET)
    token_secret_file: Path | None = None  # read instead of token_secret when set (a mounted secret)
    # where invitees reach the RSVP page (the links in the invitations)
    public_url: str = "http://127.0.0.1:8002"
    fanout_sweep_seconds: float = 30.0
    fanout_chunk: int = 500  # participants inserted per database command

    @model_validator(mode="after")
    def _no_development_secret(self) -> "Settings":
        if self.token_secret_file is not None:
            self.token_secret = SecretStr(self.token_secret_file.read_text().strip())
        if len(self.token_secret.get_secret_value()) < 32:
            raise ValueError("the RSVP token secret must be at least 32 characters")
        if self.environment not in ("development", "test") and self.token_secret.get_secret_value() == DEV_TOKEN_SECRET:
            raise ValueError(f"{self.environment}: EVENTS_TOKEN_SECRET must be set")
        if self.environment not in ("development", "test") and re.match(r"^https?://(localhost|127\.|\[::1\])",
                                                                        self.public_url):
            # real invitations would carry links nobody outside this machine can open
            raise ValueError(f"{self.environment}: EVENTS_PUBLIC_URL must be the address invitees reach")
        return self
