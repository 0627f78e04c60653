"""``remedia up`` in an empty folder, with no broker configured, as a person would start it."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from remedia.config.embedded_redis import free_port
from tests.live.sse import follow
from tests.media import bundled_photo

from .conftest import REMEDIA, clean_env

BANNER = "remedia is up at "


@dataclass
class Up:
    process: subprocess.Popen[bytes]
    url: str
    banner: str
    env: dict[str, str]
    folder: Path

    def family(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def token(self) -> str:
        match = re.search(r"token\s+(\S+)", self.banner)
        assert match, self.banner
        return match.group(1)


def _read_banner(process: subprocess.Popen[bytes], out: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while "Ctrl-C" not in (text := out.read_text()):
        if process.poll() is not None or time.monotonic() > deadline:
            errors = out.with_suffix(".err").read_text()
            raise AssertionError(f"remedia up did not come up:\n{text}\n{errors}")
        time.sleep(0.1)
    return text


def start_up(folder: Path) -> Up:
    """``remedia up`` in ``folder`` on a free port, once it printed its banner."""
    env = clean_env(folder)
    del env["REMEDIA_STORAGE_URL"]  # everything on the embedded defaults
    port = free_port()
    out = folder / "up.out"
    with out.open("wb") as stdout, out.with_suffix(".err").open("wb") as stderr:
        process = subprocess.Popen(
            [str(REMEDIA), "up", "--port", str(port), "--workers", "1"],
            cwd=folder,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    started = Up(process, f"http://127.0.0.1:{port}", "", env, folder)
    try:
        started.banner = _read_banner(process, out, timeout=120)
    except BaseException:
        kill_all(started)
        raise
    return started


def kill_all(up: Up) -> None:
    """SIGKILL ``remedia up`` and everything it started (after a failed test)."""
    if up.process.poll() is not None:
        return
    family = up.family()
    up.process.kill()
    for process in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    up.process.wait(10)


def stop(up: Up, sig: int = signal.SIGINT) -> int:
    os.kill(up.process.pid, sig)
    return up.process.wait(90)


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    started = start_up(tmp_path)
    try:
        yield started
    finally:
        kill_all(started)


def test_up_answers_health_and_readiness_over_http_on_embedded_defaults(up: Up) -> None:
    health = httpx.get(f"{up.url}/api/v1/health", timeout=30)
    ready = httpx.get(f"{up.url}/api/v1/ready", timeout=30)

    assert (health.status_code, ready.status_code) == (200, 200), ready.text
    assert ready.json() == {"status": "ok", "database": "ok", "broker": "ok", "redis": "ok"}
    assert BANNER + up.url + "/" in up.banner
    assert (up.folder / ".remedia" / "remedia.sqlite3").is_file()
    assert (up.folder / ".remedia" / "redis" / "appendonlydir").is_dir()


def test_up_corrects_a_photo_submitted_over_http_with_the_token_it_printed(up: Up) -> None:
    photo = bundled_photo("rocket.jpg")
    headers = {"Authorization": f"Bearer {up.token()}"}

    with httpx.Client(base_url=up.url, headers=headers, timeout=60) as client:
        upload = client.post("/api/v1/assets", files={"file": (photo.name, photo.read_bytes())})
        body = {"flow": "image.correct", "asset_id": upload.json()["id"]}
        run_id = client.post("/api/v1/runs", json=body).json()["id"]
        ended = [e for e in follow(client, f"/api/v1/runs/{run_id}/events") if e.kind == "end"]
        run = client.get(f"/api/v1/runs/{run_id}").json()
        outputs = run["outputs"]
        sizes = {name: len(client.get(output["url"]).content) for name, output in outputs.items()}

    assert ended[0].json == {"state": "COMPLETED"}
    assert run["state"] == "COMPLETED"
    assert sizes == {name: output["size"] for name, output in outputs.items()}
    assert set(sizes) == {"image", "preview"}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_signal_stops_every_process_up_started_and_exits_0(up: Up, sig: int) -> None:
    family = up.family()
    names = " ".join(" ".join([p.name(), *p.cmdline()]) for p in family)
    assert all(role in names for role in ("worker", "beat", "api", "-server"))

    code = stop(up, sig)

    assert code == 0
    alive = [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert alive == []


def test_a_restart_keeps_the_admin_account_made_at_the_first_start(tmp_path: Path) -> None:
    first = start_up(tmp_path)
    assert stop(first) == 0

    second = start_up(tmp_path)
    try:
        assert stop(second) == 0
    finally:
        kill_all(second)

    def admin(banner: str) -> list[str]:
        return [line for line in banner.splitlines() if line.split()[:1] in (["admin"], ["token"])]

    assert admin(second.banner) == admin(first.banner)
    assert len(admin(first.banner)) == 2
