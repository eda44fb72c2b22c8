from pathlib import Path

from pydantic import Field, model_validator

from shared.settings import ServiceSettings, service_config

MIN_SECRET = 16  # an empty or short webhook secret would let anyone sign a status (webhooks.py refuses it)


class Settings(ServiceSettings):
    model_config = service_config("NOTIFICATIONS_")
    service_name: str = "notifications"
    mongo_db: str = "kesbang_notifications"  # as the local stack and compose name it
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout: float = 20.0
    mail_from: str = "Bakesbangpol <noreply@kesbang.localhost>"
    # WhatsApp Business Cloud API and the SMS gateway (test doubles in tests: local HTTP servers)
    whatsapp_api_url: str = "http://127.0.0.1:18090"  # https://graph.facebook.com in production
    whatsapp_graph_version: str = Field(default="v26.0", pattern=r"^v[0-9]+\.[0-9]+$")  # v26.0: July 2026
    whatsapp_phone_number_id: str = "000000000000000"
    whatsapp_token: str = "development-token"
    whatsapp_app_secret: str = "development-app-secret"  # signs the webhooks (X-Hub-Signature-256)
    whatsapp_verify_token: str = "development-verify-token"  # the webhook subscription's handshake
    # business-initiated messages go as approved templates, one per kind of message (their names as
    # approved in the WhatsApp Manager) with the letter's fields as body parameters; free text only
    # inside the 24-hour window a recipient's own message opens
    whatsapp_templates: dict[str, str] = {"invitation": "kesbang_undangan", "reminder": "kesbang_pengingat",
                                          "rescheduled": "kesbang_perubahan_jadwal", "cancelled": "kesbang_pembatalan",
                                          "skt_expiry": "kesbang_masa_berlaku_skt",
                                          "ew_alert": "kesbang_peringatan_dini", "ew_reminder": "kesbang_pengingat_verifikasi",
                                          "activity_report_due": "kesbang_laporan_kegiatan"}
    whatsapp_template_language: str = "id"
    sms_api_url: str = "http://127.0.0.1:18091"
    sms_api_key: str = "development-key"
    # per-channel rate limits across every worker (messages per second, burst)
    rate_email: float = 100.0
    rate_whatsapp: float = 20.0
    rate_sms: float = 10.0
    max_attempts: int = 8
    # no WhatsApp or SMS from quiet_from.00 to quiet_until.00 in the recipient's zone (equal: none)
    quiet_from: int = Field(default=21, ge=0, le=23)
    quiet_until: int = Field(default=7, ge=0, le=23)
    # a message still queued (or claimed by a worker that died) this long is enqueued again
    recover_after_seconds: float = 120.0
    recover_every_seconds: float = 60.0
    reminders_every_seconds: float = 900.0
    reminder_grace_seconds: float = 12 * 3600  # no reminder to someone invited this recently
    # each office's signing key and certificate (PAdES letters): a directory kept as a secret
    signing_keys_dir: Path = Path(__file__).resolve().parents[2] / ".data" / "keys" / "offices"
    # each signed document's verification code is an HMAC of its id with this secret; its QR code
    # opens the web application's public page ``verify_url/<code>``
    document_secret: str = "development-document-secret"
    verify_url: str = "http://127.0.0.1:8000/verifikasi"
    # the workers hint the API's relay at what they wrote; a full sweep finds what a crash left unhinted
    outbox_sweep_seconds: float = 300.0

    @model_validator(mode="after")
    def _no_development_credentials(self) -> "Settings":
        if self.environment in ("development", "test"):
            return self
        if self.document_secret.startswith("development-") or len(self.document_secret) < MIN_SECRET:
            raise ValueError(f"{self.environment}: NOTIFICATIONS_DOCUMENT_SECRET must be set "
                             f"(at least {MIN_SECRET} characters)")
        for name in ("whatsapp_token", "whatsapp_app_secret", "whatsapp_verify_token", "sms_api_key"):
            if getattr(self, name).startswith("development-"):  # empty: that channel is off
                raise ValueError(f"{self.environment}: NOTIFICATIONS_{name.upper()} must be set")
        if self.whatsapp_token and len(self.whatsapp_app_secret) < MIN_SECRET:
            raise ValueError(f"{self.environment}: NOTIFICATIONS_WHATSAPP_APP_SECRET needs at least "
                             f"{MIN_SECRET} characters when WhatsApp is on")
        return self
