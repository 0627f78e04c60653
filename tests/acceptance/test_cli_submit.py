"""``remedia submit`` hands a run to the workers and, with --follow, watches it to the end."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.media import bundled_photo

from .conftest import REMEDIA


def test_submit_with_follow_waits_for_the_workers_and_reports_completed(
    cluster_pool, tmp_path: Path
) -> None:
    cluster, _ = cluster_pool.get("redis")
    result = subprocess.run(
        [
            str(REMEDIA),
            "submit",
            "image.correct",
            str(bundled_photo("chelsea.png")),
            "--follow",
            "--json",
        ],
        cwd=tmp_path,
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr + cluster.log("worker")
    summary = json.loads(result.stdout)
    assert summary["state"] == "COMPLETED"
    assert len(summary["run_id"]) == 32


def test_submit_without_follow_prints_the_run_id_at_once(cluster_pool, tmp_path: Path) -> None:
    cluster, service = cluster_pool.get("redis")
    result = subprocess.run(
        [str(REMEDIA), "submit", "image.correct", str(bundled_photo("coffee.png"))],
        cwd=tmp_path,
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    run_id = result.stdout.strip()
    from tests.support.distributed import DistributedRun

    assert DistributedRun(service, run_id).wait(90).state == "COMPLETED"
