from shared.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("NOTIFICATIONS_")
    service_name: str = "notifications"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout: float = 20.0
    mail_from: str = "Bakesbangpol <noreply@kesbang.localhost>"
