"""A real distributed remedia for the tests: worker and beat processes over a real broker.

One Cluster per broker for the whole session (starting workers costs seconds); each test
still gets fresh runs and its own work folder. Clusters that share a database share one
storage too: any cluster's reaper may re-queue any run's step, onto its own broker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import redis
from kombu import Connection

ROOT = Path(__file__).resolve().parents[2]
REMEDIA = Path(sys.executable).with_name("remedia")

#: Short liveness bounds so that recovery tests finish quickly; the lease is twelve beats, so
#: a step on a loaded 2-core machine is not taken for lost.
FAST_EXECUTOR = {
    "REMEDIA_EXECUTOR_HEARTBEAT_SECONDS": "0.25",
    "REMEDIA_EXECUTOR_LEASE_SECONDS": "3",
    "REMEDIA_EXECUTOR_REAPER_SECONDS": "0.5",
    "REMEDIA_EXECUTOR_PUBLISH_GRACE_SECONDS": "1",
    "REMEDIA_EXECUTOR_REPUBLISH_AFTER_SECONDS": "5",
    "REMEDIA_EXECUTOR_TIMEOUT_GRACE_SECONDS": "2",
}


def clean_environment() -> dict[str, str]:
    """This process's environment without any REMEDIA_* variable."""
    return {k: v for k, v in os.environ.items() if not k.startswith("REMEDIA_")}


@dataclass
class Cluster:
    """Worker and beat processes sharing one broker, database, live store and storage."""

    name: str
    folder: Path
    storage: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @classmethod
    def configure(
        cls,
        name: str,
        folder: Path,
        *,
        broker_url: str,
        database_url: str,
        storage: Path,
        live_url: str,
        flow_modules: str,
        extra: Mapping[str, str] | None = None,
    ) -> Cluster:
        folder.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex[:8]
        env = clean_environment() | FAST_EXECUTOR
        env |= {
            "REMEDIA_BROKER_URL": broker_url,
            "REMEDIA_BROKER_QUEUE_PREFIX": f"test-{token}",
            "REMEDIA_DATABASE_URL": database_url,
            "REMEDIA_REDIS_URL": live_url,
            "REMEDIA_LIVE_KEY_PREFIX": f"test-{token}:",
            "REMEDIA_STORAGE_URL": storage.as_uri(),
            "REMEDIA_FLOW_MODULES": flow_modules,
            "PYTHONPATH": str(ROOT),
        }
        env |= dict(extra or {})
        return cls(name=name, folder=folder, storage=storage, env=env)

    def start(self, role: str, *args: str) -> subprocess.Popen[bytes]:
        """Start ``remedia ARGS`` as process ``role`` (e.g. worker-1), logging to a file."""
        log = (self.folder / f"{role}.log").open("ab")
        process = subprocess.Popen(
            [str(REMEDIA), *args],
            cwd=self.folder,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[role] = process
        return process

    def start_worker(self, role: str = "worker", concurrency: int = 3, queues: str = "default"):
        return self.start(
            role,
            "worker",
            "--concurrency",
            str(concurrency),
            "--queues",
            queues,
            "--loglevel",
            "info",
        )

    def start_beat(self) -> subprocess.Popen[bytes]:
        return self.start("beat", "beat", "--loglevel", "info")

    def stop(self, role: str, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        process = self.processes.pop(role, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def kill(self, role: str) -> None:
        """SIGKILL a process and every child it forked (the whole process group)."""
        process = self.processes.pop(role)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def log(self, role: str) -> str:
        path = self.folder / f"{role}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def close(self) -> None:
        for role in list(self.processes):
            self.stop(role)
        self._delete_broker_state()

    def _delete_broker_state(self) -> None:
        url, prefix = self.env["REMEDIA_BROKER_URL"], self.env["REMEDIA_BROKER_QUEUE_PREFIX"]
        if url.startswith("redis://"):
            redis.Redis.from_url(url).flushdb()
            return
        with Connection(url) as connection:
            channel = connection.default_channel
            for suffix in ("default", "cpu", "io", "dead"):
                try:
                    channel.queue_delete(f"{prefix}.{suffix}")
                except Exception:
                    channel = connection.channel()
            for exchange in (prefix, f"{prefix}.dlx"):
                try:
                    channel.exchange_delete(exchange)
                except Exception:
                    channel = connection.channel()


def wait_for_log(cluster: Cluster, role: str, text: str, timeout: float = 60.0) -> None:
    """Wait until a process wrote ``text`` to its log (e.g. a worker's 'ready.')."""
    deadline = time.monotonic() + timeout
    while text not in cluster.log(role):
        process = cluster.processes.get(role)
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{role} exited with {process.returncode}:\n{cluster.log(role)}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{role} did not log {text!r} in {timeout}s:\n{cluster.log(role)}")
        time.sleep(0.1)
