"""The web UI in Chromium, against the whole service as ``remedia up`` starts it.

``remedia up`` runs the API (which serves the built UI), a worker and the reaper over an
embedded Redis and a SQLite run store, all in the test's folder; the browser is Debian's
Chromium, driven by playwright-core from ``ui/e2e``. A missing Chromium fails the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.acceptance.conftest import REMEDIA, ROOT, clean_env

CHROMIUM = Path(os.environ.get("REMEDIA_E2E_CHROMIUM", "/usr/bin/chromium"))
UI = ROOT / "ui"
OUTPUT = ROOT / "test-output" / "e2e"
READY = "Ctrl-C"


@dataclass(frozen=True)
class Service:
    """A running ``remedia up``: where it answers and the admin account it made."""

    url: str
    username: str
    password: str
    folder: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(process: subprocess.Popen[bytes], out: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while READY not in out.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"remedia up did not come up:\n{out.read_text()}")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def chromium() -> Path:
    assert CHROMIUM.is_file(), f"no Chromium at {CHROMIUM}: apt-get install -y chromium"
    return CHROMIUM


@pytest.fixture(scope="session")
def node() -> str:
    found = shutil.which("node")
    assert found, "no node on PATH: the UI's tests need Node.js 20.19 or newer"
    assert (UI / "node_modules" / "playwright-core").is_dir(), "run scripts/bootstrap first"
    return found


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    assert (UI / "dist" / "index.html").is_file(), "the UI is not built: run scripts/bootstrap"
    folder = tmp_path_factory.mktemp("up")
    env = clean_env(folder)
    del env["REMEDIA_STORAGE_URL"]  # everything on the embedded defaults, in the data folder
    port = free_port()
    out = folder / "up.log"
    with out.open("wb") as log:
        process = subprocess.Popen(
            [str(REMEDIA), "up", "--port", str(port), "--data-dir", str(folder / "data")],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(process, out, timeout=120)
        admin = json.loads((folder / "data" / "admin.json").read_text())
        yield Service(f"http://127.0.0.1:{port}", admin["username"], admin["password"], folder)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
