from shared.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("REGISTRY_")
    service_name: str = "registry"
