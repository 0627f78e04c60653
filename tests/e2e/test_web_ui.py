"""Corrections made from the browser, watched step by step, against real workers.

Each test runs one scenario of ``ui/e2e`` in Chromium; the scenario asserts on the page and
saves its screenshots into ``test-output/e2e``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.media import bundled_photo, write_truncated_copy

from .conftest import OUTPUT, UI, Service

#: A bound on a hang (starting the service, a scenario), not a measure of speed.
pytestmark = pytest.mark.timeout(900)


def run_scenario(name: str, service: Service, node: str, chromium: Path, corrupt: Path) -> str:
    env = {
        **os.environ,
        "REMEDIA_E2E_BASE_URL": service.url,
        "REMEDIA_E2E_USERNAME": service.username,
        "REMEDIA_E2E_PASSWORD": service.password,
        "REMEDIA_E2E_OUTPUT_DIR": str(OUTPUT),
        "REMEDIA_E2E_PHOTO": str(bundled_photo("rocket.jpg")),
        "REMEDIA_E2E_CORRUPT_PHOTO": str(corrupt),
        "REMEDIA_E2E_CHROMIUM": str(chromium),
    }
    done = subprocess.run(
        [node, "e2e/run.mjs", name],
        cwd=UI,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    logs = (service.folder / "data" / "logs").glob("*.log")
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n" + "\n".join(
        f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs
    )
    return done.stdout


def truncated_photo(folder: Path) -> Path:
    return write_truncated_copy(bundled_photo("rocket.jpg"), folder / "rocket-cut.jpg", 0.2)


def test_a_photo_is_corrected_from_the_browser_and_every_step_is_seen_completing(
    service: Service, node: str, chromium: Path, tmp_path: Path
) -> None:
    out = run_scenario("correct-photo", service, node, chromium, truncated_photo(tmp_path))

    assert out.startswith("ok   correct-photo")
    assert (OUTPUT / "run-detail.png").is_file()
    assert (OUTPUT / "new-correction.png").is_file()


def test_a_truncated_jpeg_shows_its_failed_step_and_the_reason(
    service: Service, node: str, chromium: Path, tmp_path: Path
) -> None:
    out = run_scenario("corrupt-input", service, node, chromium, truncated_photo(tmp_path))

    assert out.startswith("ok   corrupt-input")
    assert (OUTPUT / "run-failed.png").is_file()
