from shared.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("REPORTING_")
    service_name: str = "reporting"
    metrics_every_seconds: float = 30.0  # business gauges on /metrics refreshed from the counters
