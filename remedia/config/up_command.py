"""``remedia up``: the whole service on one machine, on embedded defaults.

The API (uvicorn), a worker and beat (the reaper) run as child processes of this one, over a
SQLite run store, local storage and, unless ``REMEDIA_BROKER_URL`` says otherwise, a private
Redis server with an append-only file, all under one data folder. SIGINT or SIGTERM stops
every child (each in its own process group, so a worker's pool goes too), then Redis last, so
nothing that still writes to it outlives it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from .embedded_redis import EmbeddedRedis, free_port

REMEDIA = [sys.executable, "-m", "remedia.config.cli"]
STOP_SECONDS = 30.0
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class UpOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path(".remedia")
    workers: int = 2
    queues: str = "default"


def service_environment(options: UpOptions, environ: dict[str, str]) -> dict[str, str]:
    """The environment of every child: embedded defaults where nothing is configured."""
    data = options.data_dir
    env = dict(environ)
    env.setdefault("REMEDIA_DATABASE_URL", f"sqlite:///{data / 'remedia.sqlite3'}")
    env.setdefault("REMEDIA_STORAGE_URL", (data / "storage").as_uri())
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


@dataclass
class Children:
    """The child processes, each the leader of its own process group."""

    env: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, role: str, *args: str) -> None:
        log = (self.logs / f"{role}.log").open("ab")
        self.processes[role] = subprocess.Popen(
            [*REMEDIA, *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def exited(self) -> str | None:
        """The role of a child that has exited, if any."""
        return next((r for r, p in self.processes.items() if p.poll() is not None), None)

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """SIGTERM every group, wait, then SIGKILL what is left (a step that would not stop)."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(10)
        for process in self.processes.values():
            _signal_group(process, signal.SIGKILL)  # a pool child its parent left behind


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


class StopRequest:
    """Turns SIGINT and SIGTERM into a flag the main loop reads."""

    def __init__(self) -> None:
        self.signal: int | None = None
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signal = signum


def _wait_for_port(
    host: str, port: int, children: Children, stop: StopRequest, timeout: float = 60.0
) -> bool:
    target = "127.0.0.1" if host in ("0.0.0.0", "") else host
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if children.exited() or stop.signal is not None:
            return False
        try:
            with socket.create_connection((target, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _prepare(options: UpOptions, env: dict[str, str]) -> tuple[str, str, str]:
    """Migrate the run store and make the admin account, in this process."""
    os.environ.update(env)
    from .admin_account import ensure_admin
    from .django_setup import migrate

    migrate()
    account = ensure_admin(options.data_dir)
    return account.username, account.password, account.token


def _banner(options: UpOptions, broker: str, admin: tuple[str, str, str]) -> str:
    shown = "127.0.0.1" if options.host in ("0.0.0.0", "") else options.host
    username, password, token = admin
    lines = [
        f"remedia is up at http://{shown}:{options.port}/",
        f"  API       http://{shown}:{options.port}/api/v1/",
        f"  data      {options.data_dir}",
        f"  broker    {broker}",
        f"  admin     {username} / {password}",
        f"  token     {token}   (Authorization: Bearer …)",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines) + "\n"


def up_command(options: UpOptions) -> int:
    options = UpOptions(**{**options.__dict__, "data_dir": options.data_dir.resolve()})
    options.data_dir.mkdir(parents=True, exist_ok=True)
    logs = options.data_dir / "logs"
    logs.mkdir(exist_ok=True)
    stop = StopRequest()
    env = service_environment(options, dict(os.environ))
    redis: EmbeddedRedis | None = None
    if not env.get("REMEDIA_BROKER_URL"):
        redis = EmbeddedRedis(options.data_dir / "redis", free_port())
        redis.start()
        env["REMEDIA_BROKER_URL"] = f"{redis.url}/0"
        env.setdefault("REMEDIA_REDIS_URL", f"{redis.url}/1")
        broker = f"{redis.url}/0 (embedded, append-only file in {redis.folder})"
    else:
        broker = env["REMEDIA_BROKER_URL"].split("@")[-1]
    children = Children(env, logs)
    try:
        admin = _prepare(options, env)
        schedule = str(options.data_dir / "beat-schedule")
        worker = ["--concurrency", str(options.workers), "--queues", options.queues]
        children.start("worker", "worker", *worker)
        children.start("beat", "beat", "--schedule", schedule)
        children.start("api", "api", "--host", options.host, "--port", str(options.port))
        if not _wait_for_port(options.host, options.port, children, stop):
            return 0 if stop.signal is not None else _failed(children, logs)
        sys.stdout.write(_banner(options, broker, admin))
        sys.stdout.flush()
        while stop.signal is None:
            if children.exited():
                return _failed(children, logs)
            time.sleep(POLL_SECONDS)
        sys.stderr.write("remedia: stopping…\n")
        return 0
    finally:
        children.stop()
        if redis is not None:
            redis.stop()


def _failed(children: Children, logs: Path) -> int:
    role = children.exited() or "api"
    log = (logs / f"{role}.log").read_text(errors="replace")[-3000:]
    sys.stderr.write(f"remedia: the {role} process stopped; its log ({logs / role}.log) ends:\n")
    sys.stderr.write(log + "\n")
    return 1
