from shared.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("REPORTING_")
    service_name: str = "reporting"
    mongo_db: str = "kesbang_reporting"  # as the local stack and compose name it
    metrics_every_seconds: float = 30.0  # business gauges on /metrics refreshed from the counters
    # a report queued this long without a worker taking it, or running past its lease, is enqueued again
    recover_after_seconds: float = 300.0
    recover_every_seconds: float = 60.0
