"""Acceptance tests start the real ``remedia`` command as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REMEDIA = Path(sys.executable).with_name("remedia")

Cli = Callable[..., subprocess.CompletedProcess[str]]


def clean_env(tmp_path: Path) -> dict[str, str]:
    """The environment without any REMEDIA_* variable, storage in the test's folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMEDIA_")}
    env["REMEDIA_STORAGE_URL"] = (tmp_path / "storage").as_uri()
    env["PYTHONPATH"] = str(ROOT)
    env["COLUMNS"] = "120"
    return env


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path)


@pytest.fixture
def remedia(tmp_path: Path, cli_env: dict[str, str]) -> Cli:
    """Run ``remedia ARGS`` in the test's folder and return the finished process."""
    assert REMEDIA.exists(), f"{REMEDIA} is missing: install remedia into the venv first"

    def run(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(REMEDIA), *map(str, args)],
            cwd=tmp_path,
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
