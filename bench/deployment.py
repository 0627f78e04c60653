"""What a bench deploys and removes: worker processes, a PostgreSQL database, queues, Redis
keys, and the remedia client the bench submits with. Shared by the step-overhead benches."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)
REMEDIA = PYTHON.with_name("remedia")

RABBITMQ_URL = os.environ.get("BENCH_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
#: Live store and completion marks; the Redis broker of the embedded mode has its own number.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
REDIS_BROKER_URL = os.environ.get("BENCH_REDIS_BROKER_URL", "redis://127.0.0.1:6379/10")
FLOW = "bench.noop_chain"
FLOW_MODULES = "bench.noop_flows"
POLL_SECONDS = 0.02
TIMEOUT_SECONDS = 120.0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def require(name: str, host: str, port: int) -> None:
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as exc:
        sys.exit(f"{name} at {host}:{port} is not reachable ({exc})")


# -- processes ---------------------------------------------------------------------------------


@dataclass
class Workers:
    """Worker processes this bench started; each is its own process group."""

    folder: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, role: str, argv: list[str], env: dict[str, str]) -> None:
        handle = (self.folder / f"{role}.log").open("ab")
        self.processes[role] = subprocess.Popen(
            argv,
            cwd=self.folder,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def check(self) -> None:
        for role, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{role} exited with {process.returncode}:\n{self.log(role)}")

    def log(self, role: str) -> str:
        path = self.folder / f"{role}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop_all(self) -> None:
        for role in list(self.processes):
            process = self.processes.pop(role)
            if process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def worker_env(broker_url: str, prefix: str, database_url: str, live_prefix: str, folder: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMEDIA_")}
    env |= {
        "REMEDIA_BROKER_URL": broker_url,
        "REMEDIA_BROKER_QUEUE_PREFIX": prefix,
        "REMEDIA_DATABASE_URL": database_url,
        "REMEDIA_REDIS_URL": REDIS_URL,
        "REMEDIA_LIVE_KEY_PREFIX": live_prefix,
        "REMEDIA_STORAGE_URL": (folder / "storage").as_uri(),
        "REMEDIA_FLOW_MODULES": FLOW_MODULES,
        "PYTHONPATH": str(ROOT),
    }
    return env


def remedia_worker_argv(concurrency: int) -> list[str]:
    return [str(REMEDIA), "worker", "--concurrency", str(concurrency), "--loglevel", "warning"]


def stored_results_url(database_url: str) -> str:
    """Celery's database result backend (SQLAlchemy, psycopg 3) on the bench's database."""
    return "db+postgresql+psycopg://" + database_url.split("://", 1)[1]


def raw_worker_argv(prefix: str, concurrency: int) -> list[str]:
    return [
        str(PYTHON),
        "-m",
        "celery",
        "-A",
        "bench.noop_flows:raw_app",
        "worker",
        "--queues",
        f"{prefix}.default",
        "--pool",
        "prefork",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "warning",
        "--hostname",
        f"{prefix}-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
    ]


# -- clean-up ----------------------------------------------------------------------------------


def delete_amqp(prefix: str) -> None:
    from kombu import Connection

    with Connection(RABBITMQ_URL) as connection:
        channel = connection.channel()
        for queue in (f"{prefix}.default", f"{prefix}.dead"):
            try:
                channel.queue_delete(queue)
            except Exception:
                channel = connection.channel()
        for exchange in (prefix, f"{prefix}.dlx"):
            try:
                channel.exchange_delete(exchange)
            except Exception:
                channel = connection.channel()


def delete_redis_keys(url: str, *patterns: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for pattern in patterns:
        keys = list(client.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])


def create_postgres_database() -> str:
    import psycopg

    name = f"remedia_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://{os.environ.get('USER', 'root')}@127.0.0.1:5432/{name}"


def drop_postgres_database(url: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[-1]}" WITH (FORCE)')


# -- the remedia client ------------------------------------------------------------------------


def setup_client(database_url: str) -> None:
    """Point this process's Django at ``database_url`` and create the tables."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["REMEDIA_DATABASE_URL"] = database_url
    os.environ["REMEDIA_FLOW_MODULES"] = FLOW_MODULES
    from remedia.config.django_setup import migrate

    migrate()


def build_service(broker_url: str, prefix: str, live_prefix: str, folder: Path, publisher=None):  # type: ignore[no-untyped-def]
    from remedia.config.flow_settings import FlowSettings
    from remedia.executor.distributed.app import create_celery_app
    from remedia.executor.distributed.publisher import CeleryPublisher
    from remedia.executor.distributed.tasks import register_tasks
    from remedia.executor.live import LivePublisher, LiveSettings, connect
    from remedia.executor.settings import BrokerSettings, ExecutorSettings
    from remedia.executor.store.mirror import LiveMirror
    from remedia.executor.store.service import RunService
    from remedia.storage import LocalStorage

    executor = ExecutorSettings()
    if publisher is None:
        app = create_celery_app(BrokerSettings(url=broker_url, queue_prefix=prefix), executor)
        register_tasks(app)
        publisher = CeleryPublisher(app, timeout_grace=executor.timeout_grace_seconds)
    live = LiveSettings(redis_url=REDIS_URL, key_prefix=live_prefix)
    return RunService(
        catalogue=FlowSettings(modules=FLOW_MODULES).load(),
        storage=LocalStorage(folder / "storage"),
        publisher=publisher,
        mirror=LiveMirror(LivePublisher(connect(live, name="remedia-bench"), live)),
        settings=executor,
    )
