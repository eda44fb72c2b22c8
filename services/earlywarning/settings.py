from shared.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("EARLYWARNING_")
    service_name: str = "earlywarning"
    mongo_db: str = "kesbang_earlywarning"  # as the local stack and compose name it
    # a report still diterima this long after it arrived reminds its assignee and the office's head
    verify_within_hours: float = 6.0
    reminder_sweep_seconds: float = 60.0
    # reports the public may send through /public/reports per client address per minute
    public_per_minute: int = 30
