"""``remedia submit`` hands runs to the workers and, with --follow, watches them to the end."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.media import bundled_photo

from .conftest import REMEDIA


def remedia_submit(cluster, cwd: Path, *args: str, timeout: float = 120):  # type: ignore[no-untyped-def]
    """``remedia submit ARGS`` against ``cluster``'s services, its output captured."""
    return subprocess.run(
        [str(REMEDIA), "submit", *args],
        cwd=cwd,
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_submit_with_follow_waits_for_the_workers_and_reports_completed(
    cluster_pool, tmp_path: Path
) -> None:
    cluster, _ = cluster_pool.get("redis")
    photo = str(bundled_photo("chelsea.png"))
    result = remedia_submit(cluster, tmp_path, "image.correct", photo, "--follow", "--json")
    assert result.returncode == 0, result.stderr + cluster.log("worker")
    summary = json.loads(result.stdout)
    assert summary["state"] == "COMPLETED"
    assert len(summary["run_id"]) == 32


def test_submit_without_follow_prints_the_run_id_at_once(cluster_pool, tmp_path: Path) -> None:
    cluster, service = cluster_pool.get("redis")
    result = remedia_submit(cluster, tmp_path, "image.correct", str(bundled_photo("coffee.png")))
    assert result.returncode == 0, result.stderr
    run_id = result.stdout.strip()
    from tests.support.distributed import DistributedRun

    assert DistributedRun(service, run_id).wait(90).state == "COMPLETED"


def test_submit_of_several_files_runs_each_and_follows_them_to_the_end(
    cluster_pool, tmp_path: Path
) -> None:
    cluster, _ = cluster_pool.get("redis")
    photos = [str(bundled_photo("chelsea.png")), str(bundled_photo("coffee.png"))]
    result = remedia_submit(
        cluster, tmp_path, "image.correct", *photos, "--follow", "--json", timeout=180
    )
    assert result.returncode == 0, result.stderr + cluster.log("worker")
    runs = json.loads(result.stdout)["runs"]
    assert [run["input"] for run in runs] == photos
    assert {run["state"] for run in runs} == {"COMPLETED"}
    assert len({run["run_id"] for run in runs}) == 2
    assert "runs ended" in result.stderr  # the progress bar over the runs


def test_submit_with_one_missing_file_among_several_submits_nothing(
    cluster_pool, tmp_path: Path
) -> None:
    cluster, _ = cluster_pool.get("redis")
    from remedia.executor.store.models import FlowRun

    before = FlowRun.objects.count()
    missing = tmp_path / "missing.png"
    photo = str(bundled_photo("coffee.png"))
    result = remedia_submit(cluster, tmp_path, "image.correct", photo, str(missing), timeout=60)
    assert result.returncode != 0
    assert f"no input file at {missing}" in result.stderr
    assert FlowRun.objects.count() == before
