"""The local platform: real Kafka, FerretDB, Redis, Mailpit (SMTP), the four services and their workers.

    python -m deploy.local.stack up        # everything (what `make run` calls)
    python -m deploy.local.stack up --infra # only the servers (what the test session uses)
    python -m deploy.local.stack status
    python -m deploy.local.stack down      # stops exactly what `up` started

Every process is started in its own session with its pid in ``<run dir>/<name>.pid`` and its output in
``<log dir>/<name>.log``. ``up`` waits for each one to be healthy before starting what depends on it; when
one fails it prints the name and the end of the log, stops everything this call started, and exits 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("KESBANG_DATA_DIR", ROOT / ".data"))
TOOLS = ROOT / ".tools"
PY = str(ROOT / ".venv" / "bin" / "python")

HOST = "127.0.0.1"
PORTS = {
    "kafka": int(os.environ.get("KESBANG_KAFKA_PORT", 9092)),
    "kafka-controller": int(os.environ.get("KESBANG_KAFKA_CONTROLLER_PORT", 9093)),
    "ferretdb": int(os.environ.get("KESBANG_FERRETDB_PORT", 27017)),
    "ferretdb-debug": int(os.environ.get("KESBANG_FERRETDB_DEBUG_PORT", 27080)),
    "redis": int(os.environ.get("KESBANG_REDIS_PORT", 6379)),
    "smtp": int(os.environ.get("KESBANG_SMTP_PORT", 1025)),
    "mailpit": int(os.environ.get("KESBANG_MAILPIT_PORT", 8025)),
    "providers": int(os.environ.get("KESBANG_PROVIDERS_PORT", 18090)),
    "registry": 8001,
    "events": 8002,
    "notifications": 8003,
    "reporting": 8004,
    "earlywarning": 8005,
    "web": int(os.environ.get("KESBANG_WEB_PORT", 8000)),
}
SERVICES = ("registry", "events", "notifications", "reporting", "earlywarning")
# /metrics of the processes that are no API, at the platform's web port + 100 + this
METRICS_OFFSETS = {"events-consumers": 100, "notifications-consumers": 101, "reporting-consumers": 102,
                   "earlywarning-consumers": 103,
                   "registry-worker": 110, "notifications-worker": 111, "reporting-worker": 112}


def metrics_port(ports: Mapping[str, int], name: str) -> int:
    return ports.get("web", ports["registry"] - 1) + METRICS_OFFSETS[name]


# Go's regexp has no negative lookahead: "the domain does not start with bounce.", spelt out
NOT_BOUNCE = r"@([^b]|b[^o]|bo[^u]|bou[^n]|boun[^c]|bounc[^e]|bounce[^.])"


# every process sends its spans to the provider sandbox's OTLP receiver (.data/providers/traces.jsonl),
# a batch each half second: the traces a caller marks sampled (traceparent flags 01) and one in a
# hundred of the others (recording every database command of two cores' worth of processes would
# take half of those cores)
TRACES_ENV = {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"http://{HOST}:{PORTS['providers']}/v1/traces",
              "OTEL_BSP_SCHEDULE_DELAY": "500",
              "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.01"}


def infra_urls() -> dict[str, str]:
    return {
        "kafka": f"{HOST}:{PORTS['kafka']}",
        "mongo": f"mongodb://{HOST}:{PORTS['ferretdb']}/",
        "redis": f"redis://{HOST}:{PORTS['redis']}",
        "smtp_host": HOST,
        "smtp_port": str(PORTS["smtp"]),
        "mailpit": f"http://{HOST}:{PORTS['mailpit']}",
        "providers": f"http://{HOST}:{PORTS['providers']}",
        "providers_dir": str(DATA / "providers"),
    }


# ------------------------------------------------------------------------------------------ health


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def kafka_healthy(bootstrap: str) -> bool:
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient

    async def check() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
            return True
        finally:
            await admin.close()

    try:
        return asyncio.run(asyncio.wait_for(check(), 8))
    except Exception:
        return False


def mongo_healthy(url: str) -> bool:
    from pymongo import MongoClient

    try:
        with MongoClient(url, serverSelectionTimeoutMS=1000, directConnection=True) as client:
            client.admin.command("ping")
        return True
    except Exception:
        return False


def redis_healthy(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except Exception:
        return False


def smtp_healthy(port: int) -> bool:
    import smtplib

    try:
        with smtplib.SMTP(HOST, port, timeout=2) as s:
            return s.noop()[0] == 250
    except Exception:
        return False


def http_healthy(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=2).status_code == 200
    except Exception:
        return False


def ready_file_present(path: Path) -> bool:
    return path.exists()


# -------------------------------------------------------------------------------------- processes


@dataclasses.dataclass
class Component:
    name: str
    argv: Sequence[str]
    healthy: Callable[[], bool]
    env: Mapping[str, str] = dataclasses.field(default_factory=dict)
    ports: Sequence[int] = ()
    prepare: Callable[[], None] | None = None
    start_timeout: float = 90.0
    url: str = ""
    ready_file: Path | None = None


class StartFailed(RuntimeError):
    pass


class ProcessGroup:
    """Starts components as detached processes and stops exactly those it has pid files for."""

    def __init__(self, run_dir: Path, log_dir: Path):
        self.run_dir = run_dir
        self.log_dir = log_dir
        run_dir.mkdir(parents=True, exist_ok=True)
        log_dir.mkdir(parents=True, exist_ok=True)

    def pid_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def pid(self, name: str) -> int | None:
        try:
            pid = int(self.pid_file(name).read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        # a zombie child of ours counts as gone
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
                return None
        except OSError:
            pass
        return pid

    def running(self, name: str) -> bool:
        return self.pid(name) is not None

    def start(self, c: Component) -> subprocess.Popen:
        if c.prepare:
            c.prepare()
        if c.ready_file is not None:
            c.ready_file.unlink(missing_ok=True)
        log = open(self.log_file(c.name), "ab")
        log.write(f"\n=== {time.strftime('%Y-%m-%dT%H:%M:%S')} starting {c.name}: {' '.join(c.argv)}\n".encode())
        log.flush()
        env = {**os.environ, **c.env, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(
            list(c.argv), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()
        self.pid_file(c.name).write_text(str(proc.pid))
        return proc

    def wait_healthy(self, c: Component, proc: subprocess.Popen | None = None) -> None:
        deadline = time.monotonic() + c.start_timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise StartFailed(f"{c.name} exited with code {proc.returncode}")
            if proc is None and not self.running(c.name):
                raise StartFailed(f"{c.name} is not running")
            if c.healthy():
                return
            time.sleep(0.25)
        raise StartFailed(f"{c.name} was not healthy after {c.start_timeout:.0f}s")

    def stop(self, name: str, timeout: float = 15.0, sig: int = signal.SIGTERM) -> bool:
        pid = self.pid(name)
        self.pid_file(name).unlink(missing_ok=True)
        if pid is None:
            return False
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                return True
            time.sleep(0.1)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        while _alive(pid):
            time.sleep(0.05)
        return True

    def tail(self, name: str, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_file(name).read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


def _alive(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


# ----------------------------------------------------------------------------------- components


def _kafka_prepare() -> None:
    data = DATA / "kafka"
    data.mkdir(parents=True, exist_ok=True)
    conf = DATA / "kafka-server.properties"
    template = (ROOT / "deploy" / "kafka" / "server.properties.template").read_text()
    conf.write_text(template.format(port=PORTS["kafka"], controller_port=PORTS["kafka-controller"], data_dir=data))
    if not (data / "meta.properties").exists():
        cluster_id_file = DATA / "kafka-cluster-id"
        if not cluster_id_file.exists():
            # Kafka cluster ids are 16 random bytes, url-safe base64 without padding
            import base64

            cluster_id_file.write_text(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))
        out = subprocess.run(
            ["java", *_kafka_jvm_opts(), "-cp", f"{TOOLS}/kafka/libs/*", "kafka.tools.StorageTool", "format",
             "-t", cluster_id_file.read_text().strip(), "-c", str(conf), "--ignore-formatted"],
            capture_output=True, text=True,
        )
        if out.returncode != 0:
            raise StartFailed(f"kafka storage format failed:\n{out.stdout}\n{out.stderr}")


def kafka_version() -> str:
    """The broker version bootstrap fetched (the kafka_2.13 jar's name)."""
    jar = next((TOOLS / "kafka" / "libs").glob("kafka_2.13-*.jar"), None)
    return jar.name.removeprefix("kafka_2.13-").removesuffix(".jar") if jar else "unknown"


def _kafka_jvm_opts() -> list[str]:
    return [
        "-Xms256m", "-Xmx768m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={ROOT}/deploy/kafka/log4j2.yaml",
    ]


def infra_components() -> list[Component]:
    urls = infra_urls()
    (DATA / "ferretdb").mkdir(parents=True, exist_ok=True)
    (DATA / "redis").mkdir(parents=True, exist_ok=True)
    (DATA / "mailpit").mkdir(parents=True, exist_ok=True)
    return [
        Component(
            name="kafka",
            argv=["java", *_kafka_jvm_opts(), "-cp", f"{TOOLS}/kafka/libs/*", "kafka.Kafka",
                  str(DATA / "kafka-server.properties")],
            prepare=_kafka_prepare,
            healthy=lambda: _port_open(PORTS["kafka"]) and kafka_healthy(urls["kafka"]),
            ports=(PORTS["kafka"], PORTS["kafka-controller"]),
            url=f"kafka://{urls['kafka']}",
            start_timeout=120,
        ),
        Component(
            name="ferretdb",
            # WAL (FerretDB's default) with synchronous NORMAL: no fsync per commit, so a write waits on
            # no disk flush; a killed process loses nothing (only a machine that loses power may lose
            # its last commits) — 34 → 50 invitations sent a second on the 2-core machine. The WAL is
            # copied back every 20,000 pages instead of 1,000 (a hot page once per round, not twenty
            # times: that copy was a fifth of the server's CPU), and the Go heap may grow to 5× what
            # is live before it is collected (GOGC 400): 2.1 → 1.4 ms of CPU per by-_id operation.
            # A reader that stays open holds the copy back and the WAL grows (1.5 GB in a 60,000-ormas
            # import); once a copy completes, the file is cut back to 128 MB rather than kept that size
            argv=[str(TOOLS / "bin" / "ferretdb"), "--handler=sqlite",
                  f"--sqlite-url=file:{DATA / 'ferretdb'}/?_pragma=synchronous(normal)&_pragma=wal_autocheckpoint(20000)"
                  "&_pragma=journal_size_limit(134217728)",
                  f"--listen-addr={HOST}:{PORTS['ferretdb']}", "--telemetry=disable",
                  f"--state-dir={DATA / 'ferretdb'}", f"--debug-addr={HOST}:{PORTS['ferretdb-debug']}", "--log-level=warn"],
            env={"GOGC": "400"},
            healthy=lambda: mongo_healthy(urls["mongo"]),
            ports=(PORTS["ferretdb"], PORTS["ferretdb-debug"]),
            url=urls["mongo"],
        ),
        Component(
            name="redis",
            argv=[str(TOOLS / "bin" / "redis-server"), "--bind", HOST, "--port", str(PORTS["redis"]),
                  "--dir", str(DATA / "redis"), "--appendonly", "yes", "--appendfsync", "everysec",
                  "--save", "60 1", "--maxmemory", "512mb", "--maxmemory-policy", "noeviction",
                  "--protected-mode", "yes", "--daemonize", "no"],
            healthy=lambda: redis_healthy(urls["redis"]),
            ports=(PORTS["redis"],),
            url=urls["redis"],
        ),
        Component(
            name="mailpit",
            # keeps every message (no limit: the load profiles send tens of thousands); an address at a
            # bounce. domain is refused with 550, as a relay refuses an unknown mailbox. Stored
            # uncompressed: zstd took a quarter of its CPU per letter (whose PDF is compressed already)
            argv=[str(TOOLS / "bin" / "mailpit"), "--smtp", f"{HOST}:{PORTS['smtp']}",
                  "--listen", f"{HOST}:{PORTS['mailpit']}", "--database", str(DATA / "mailpit" / "mailpit.db"),
                  "--max", "0", "--compression", "0", "--smtp-allowed-recipients", NOT_BOUNCE, "--smtp-disable-rdns",
                  "--disable-version-check", "--quiet"],
            healthy=lambda: http_healthy(urls["mailpit"] + "/readyz") and smtp_healthy(PORTS["smtp"]),
            ports=(PORTS["smtp"], PORTS["mailpit"]),
            url=f"{urls['mailpit']} (Mailpit: every e-mail sent; SMTP on {HOST}:{PORTS['smtp']})",
        ),
        Component(
            name="provider-sandbox",
            argv=[PY, "-m", "deploy.local.provider_sandbox", "--host", HOST, "--port", str(PORTS["providers"]),
                  "--dir", urls["providers_dir"]],
            healthy=lambda: http_healthy(urls["providers"] + "/health"),
            ports=(PORTS["providers"],),
            url=f"{urls['providers']} (WhatsApp Cloud API, SMS gateway and OTLP trace receiver stand-ins; in {urls['providers_dir']})",
        ),
    ]


def service_env(service: str, *, db_suffix: str = "", topic_prefix: str = "", extra: Mapping[str, str] = {}) -> dict[str, str]:
    """The environment one service's processes read (each service has its own prefix)."""
    urls = infra_urls()
    p = service.upper() + "_"
    env = {
        p + "MONGO_URL": urls["mongo"],
        p + "MONGO_DB": f"kesbang_{service}{db_suffix}",
        p + "KAFKA_BOOTSTRAP": urls["kafka"],
        p + "REDIS_URL": f"{urls['redis']}/{SERVICES.index(service)}",
        p + "TOPIC_PREFIX": topic_prefix,
        p + "ENVIRONMENT": "development",
        p + "JWT_PUBLIC_KEY_FILE": str(DATA / "keys" / "jwt-dev-public.pem"),
        p + "JWT_PRIVATE_KEY_FILE": str(DATA / "keys" / "jwt-dev-private.pem"),
        p + "SMTP_HOST": urls["smtp_host"],
        p + "SMTP_PORT": urls["smtp_port"],
        p + "SETUP_CODE_FILE": str(SETUP_CODE),
        p + "WHATSAPP_API_URL": urls["providers"],
        p + "SMS_API_URL": urls["providers"] + "/sms",
        **TRACES_ENV,
    }
    env.update(extra)
    return env


def api_component(service: str, port: int, env: Mapping[str, str], *, name: str | None = None) -> Component:
    url = f"http://{HOST}:{port}"
    return Component(
        name=name or f"{service}-api",
        argv=[PY, "-m", "uvicorn", f"services.{service}.bootstrap:create_app", "--factory", "--host", HOST,
              "--port", str(port), "--no-access-log", "--log-level", "warning"],
        env=env,
        healthy=lambda: http_healthy(url + "/health/ready"),
        ports=(port,),
        url=f"{url}/docs",
    )


def web_env(ports: Mapping[str, int], redis_url: str, extra: Mapping[str, str] = {}) -> dict[str, str]:
    """The web application's environment: the four APIs it calls and its Redis for sessions."""
    return {**{f"WEB_{s.upper()}_URL": f"http://{HOST}:{ports[s]}" for s in SERVICES},
            "WEB_REDIS_URL": redis_url, "WEB_ENVIRONMENT": "development", **TRACES_ENV, **extra}


def web_component(ports: Mapping[str, int], env: Mapping[str, str]) -> Component:
    url = f"http://{HOST}:{ports['web']}"
    return Component(
        name="web",
        argv=[PY, "-m", "uvicorn", "services.web.bootstrap:create_app", "--factory", "--host", HOST,
              "--port", str(ports["web"]), "--no-access-log", "--log-level", "warning"],
        env=env, healthy=lambda: http_healthy(url + "/health/ready"), ports=(ports["web"],), url=url,
    )


def service_components(
    *, ports: Mapping[str, int] | None = None, db_suffix: str = "", topic_prefix: str = "",
    run_dir: Path | None = None, extra_env: Mapping[str, Mapping[str, str]] = {},
) -> list[Component]:
    ports = ports or {s: PORTS[s] for s in (*SERVICES, "web")}
    run_dir = run_dir or DATA / "run"
    comps: list[Component] = []

    def env(s: str, **more: str) -> dict[str, str]:
        if s == "notifications" and "web" in ports:  # the signed letters' verification page
            more = {"NOTIFICATIONS_VERIFY_URL": f"http://{HOST}:{ports['web']}/verifikasi", **more}
        return service_env(s, db_suffix=db_suffix, topic_prefix=topic_prefix, extra={**extra_env.get(s, {}), **more})

    for s in SERVICES:
        public = {"EVENTS_PUBLIC_URL": f"http://{HOST}:{ports[s]}"} if s == "events" else {}  # the RSVP links
        if "web" in ports:  # the old page addresses redirect to the web application
            public[f"{s.upper()}_WEB_URL"] = f"http://{HOST}:{ports['web']}"
        comps.append(api_component(s, ports[s], env(s, **public)))
    for s in ("events", "notifications", "reporting", "earlywarning"):
        ready = run_dir / f"{s}-consumers.ready"
        comps.append(Component(
            name=f"{s}-consumers",
            argv=[PY, "-m", f"services.{s}.consumers"],
            env=env(s, **{f"{s.upper()}_READY_FILE": str(ready),
                          f"{s.upper()}_METRICS_PORT": str(metrics_port(ports, f"{s}-consumers"))}),
            healthy=(lambda r=ready: ready_file_present(r)),
            ready_file=ready, ports=(metrics_port(ports, f"{s}-consumers"),),
        ))
    for s in ("registry", "notifications", "reporting"):
        ready = run_dir / f"{s}-worker.ready"
        (run_dir / f"{s}-worker-metrics").mkdir(parents=True, exist_ok=True)  # before the worker's first import
        comps.append(Component(
            name=f"{s}-worker",
            argv=[PY, "-m", "celery", "-A", f"services.{s}.worker", "worker", "--loglevel", "INFO",
                  "--concurrency", {"registry": "1", "notifications": "4"}.get(s, "2"), "-n", f"{s}{topic_prefix.strip('.')}@%h", "-Q", s],
            env=env(s, **{f"{s.upper()}_READY_FILE": str(ready),
                          f"{s.upper()}_METRICS_PORT": str(metrics_port(ports, f"{s}-worker")),
                          "PROMETHEUS_MULTIPROC_DIR": str(run_dir / f"{s}-worker-metrics")}),
            healthy=(lambda r=ready: ready_file_present(r)),
            ready_file=ready, ports=(metrics_port(ports, f"{s}-worker"),),
        ))
    for s in ("registry", "notifications", "reporting"):
        comps.append(Component(
            name=f"{s}-beat",
            argv=[PY, "-m", "celery", "-A", f"services.{s}.worker", "beat", "--loglevel", "INFO",
                  "-s", str(run_dir / f"{s}-celerybeat-schedule")],
            env=env(s),
            healthy=lambda: True,
        ))
    if "web" in ports:
        redis_url = extra_env.get("web", {}).get("WEB_REDIS_URL") or f"{infra_urls()['redis']}/{len(SERVICES)}"
        comps.append(web_component(ports, web_env(ports, redis_url, extra_env.get("web", {}))))
    return comps


SETUP_CODE = DATA / "keys" / "setup-code"


def ensure_setup_code() -> str:
    """The one-time code of the web application's first-run page (valid while no admin exists)."""
    if not SETUP_CODE.exists():
        import secrets

        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from a screen
        code = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
        SETUP_CODE.parent.mkdir(parents=True, exist_ok=True)
        SETUP_CODE.write_text(code + "\n")
        SETUP_CODE.chmod(0o600)
    return SETUP_CODE.read_text().strip()


def ensure_dev_keys() -> None:
    """A development RSA key pair for JWTs (never used outside development; settings refuse it)."""
    from shared.settings import DEV_KEY_TEXT

    keys = DATA / "keys"
    private, public = keys / "jwt-dev-private.pem", keys / "jwt-dev-public.pem"
    marker = (DEV_KEY_TEXT + "\n").encode()  # text before a PEM's BEGIN line is allowed (RFC 7468)
    if private.exists():
        for f in (private, public):  # keys made before the marker existed get it
            if f.exists() and not f.read_bytes().startswith(marker):
                f.write_bytes(marker + f.read_bytes())
        return
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    keys.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private.write_bytes(marker + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    private.chmod(0o600)
    public.write_bytes(marker + key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


@dataclasses.dataclass
class IsolatedPlatform:
    """The services running as their own processes beside whatever else uses the same servers,
    under their own topic prefix, database names, Redis databases, ports and run directory."""

    run_id: str
    group: ProcessGroup
    ports: Mapping[str, int]
    topic_prefix: str
    db_suffix: str
    redis_urls: Mapping[str, str]
    run_dir: Path
    started: list[str]
    infra: object | None = None  # what the caller knows of the servers (tests attach theirs)
    components: list[Component] = dataclasses.field(default_factory=list)

    def kill(self, name: str) -> None:
        """SIGKILL to the component's whole process group (a Celery worker and its pool)."""
        self.group.stop(name, timeout=5, sig=signal.SIGKILL)

    def restart(self, name: str) -> None:
        c = next(c for c in self.components if c.name == name)
        proc = self.group.start(c)
        self.group.wait_healthy(c, proc)

    @property
    def urls(self) -> dict[str, str]:
        return {s: f"http://{HOST}:{p}" for s, p in self.ports.items()}

    def metrics_url(self, name: str) -> str:
        """Where a consumer or worker process (``notifications-consumers``, …) serves /metrics."""
        return f"http://{HOST}:{metrics_port(self.ports, name)}/metrics"

    def topic(self, logical: str) -> str:
        return self.topic_prefix + logical

    def db_name(self, service: str) -> str:
        return f"kesbang_{service}{self.db_suffix}"

    def env(self, service: str) -> dict[str, str]:
        return service_env(service, db_suffix=self.db_suffix, topic_prefix=self.topic_prefix,
                           extra={f"{service.upper()}_REDIS_URL": self.redis_urls[service]})

    def stop(self) -> None:
        for name in reversed(self.started):
            self.group.stop(name)
        self.started.clear()


def start_isolated(run_id: str, ports: Mapping[str, int], *, redis_db_base: int,
                   extra_env: Mapping[str, Mapping[str, str]] = {}) -> IsolatedPlatform:
    """Starts every service process for a test or benchmark run (the servers must be up)."""
    prefix, suffix = f"t{run_id}.", f"_t{run_id}"
    run_dir = DATA / "test-run" / run_id
    group = ProcessGroup(run_dir, DATA / "logs" / f"run-{run_id}")
    names = (*SERVICES, "web") if "web" in ports else SERVICES
    redis_urls = {s: f"{infra_urls()['redis']}/{redis_db_base + i}" for i, s in enumerate(names)}
    import redis

    for url in redis_urls.values():  # these databases belong to the run: no task of an aborted one survives
        redis.Redis.from_url(url).flushdb()
    env = {s: {f"{s.upper()}_REDIS_URL": redis_urls[s], **extra_env.get(s, {})} for s in names}
    comps = service_components(ports=ports, db_suffix=suffix, topic_prefix=prefix, run_dir=run_dir, extra_env=env)
    started = bring_up(group, comps, reuse=False)
    return IsolatedPlatform(run_id=run_id, group=group, ports=dict(ports), topic_prefix=prefix, db_suffix=suffix,
                            redis_urls=redis_urls, run_dir=run_dir, started=started, components=comps)


async def drop_isolated_data(p: IsolatedPlatform) -> None:
    """Removes a finished run's databases, topics and run directory."""
    import shutil

    from aiokafka.admin import AIOKafkaAdminClient
    from pymongo import AsyncMongoClient

    client = AsyncMongoClient(infra_urls()["mongo"])
    try:
        for name in await client.list_database_names():
            if name.endswith(p.db_suffix) or (p.db_suffix + "_") in name:
                await client.drop_database(name)
    finally:
        await client.close()
    admin = AIOKafkaAdminClient(bootstrap_servers=infra_urls()["kafka"])
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(p.topic_prefix)]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()
    shutil.rmtree(p.run_dir, ignore_errors=True)


# --------------------------------------------------------------------------------------- commands


def bring_up(group: ProcessGroup, comps: Sequence[Component], *, reuse: bool = True) -> list[str]:
    """Starts what is not running yet, in order; returns the names this call started.

    On any failure, stops what this call started and raises StartFailed with the log's end."""
    started: list[str] = []
    try:
        for c in comps:
            if group.running(c.name):
                if not reuse:
                    raise StartFailed(f"{c.name} is already running")
                group.wait_healthy(c)
                continue
            busy = [p for p in c.ports if _port_open(p)]
            if busy:
                raise StartFailed(f"{c.name}: port {busy[0]} on {HOST} is taken by another program")
            proc = group.start(c)
            started.append(c.name)
            try:
                group.wait_healthy(c, proc)
            except StartFailed as e:
                raise StartFailed(f"{e}\n--- last lines of {group.log_file(c.name)} ---\n{group.tail(c.name)}") from None
        return started
    except BaseException:
        for name in reversed(started):
            group.stop(name)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="stack")
    ap.add_argument("command", choices=["up", "down", "status"])
    ap.add_argument("--infra", action="store_true", help="only Kafka, FerretDB, Redis, Mailpit and the provider sandbox")
    args = ap.parse_args(argv)
    group = ProcessGroup(DATA / "run", DATA / "logs")
    ensure_dev_keys()
    setup_code = ensure_setup_code()
    infra = infra_components()
    comps = infra if args.infra else infra + service_components()

    if args.command == "status":
        for c in infra + service_components():
            print(f"{c.name:22} {'up (pid %d)' % group.pid(c.name) if group.running(c.name) else 'down'}")
        return 0
    if args.command == "down":
        stopped = [c.name for c in reversed(infra + service_components()) if group.stop(c.name)]
        print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        return 0

    up_already = [c.name for c in comps if group.running(c.name)]
    if up_already and len(up_already) == len(comps):
        if not args.infra:
            print(f"Buka http://{HOST}:{PORTS['web']} (aplikasi web Kesbang)")
        print("The platform is already running (make stop to stop it):")
        _print_urls(group, comps)
        return 0
    t0 = time.monotonic()
    try:
        for c in comps:
            print(f"starting {c.name} …", flush=True)
            bring_up(group, [c])
    except StartFailed as e:
        print(f"\nFAILED: {e}", file=sys.stderr)
        # nothing half-started is left behind
        for c in reversed(comps):
            if c.name not in up_already:
                group.stop(c.name)
        return 1
    if not args.infra:
        print(f"\nBuka http://{HOST}:{PORTS['web']} (aplikasi web Kesbang)")
        if _setup_needed():
            print(f"Kode pemasangan pertama: {setup_code} (di http://{HOST}:{PORTS['web']}/pasang, "
                  "selama belum ada admin)")
    print(f"\nKesbang Platform is up in {time.monotonic() - t0:.1f}s:")
    _print_urls(group, comps)
    return 0


def _setup_needed() -> bool:
    """Whether the registry still has no admin (then the first-run page takes the setup code)."""
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{HOST}:{PORTS['registry']}/auth/setup", timeout=5) as r:
            return bool(json.load(r).get("needed"))
    except (OSError, ValueError):
        return True  # not known: print it (it works only while no admin exists)


def _print_urls(group: ProcessGroup, comps: Sequence[Component]) -> None:
    for c in comps:
        print(f"  {c.name:22} {c.url or '(worker)':58} log: {group.log_file(c.name)}")
    print(f"  data: {DATA}   stop with: make stop")


if __name__ == "__main__":
    sys.exit(main())
