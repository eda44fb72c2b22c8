from shared.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("REGISTRY_")
    service_name: str = "registry"
    # SKT numbers are unique per issuing office: {seq} the office's running number in {year},
    # {office} the office's region code, {region} the ormas's.
    skt_number_format: str = "220/{seq:04d}/SKT/{office}/{year}"
