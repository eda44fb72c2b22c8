from shared.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("EVENTS_")
    service_name: str = "events"
