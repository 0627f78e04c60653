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


def test_submit_of_several_files_runs_each_and_follows_them_to_the_end(
    cluster_pool, tmp_path: Path
) -> None:
    cluster, _ = cluster_pool.get("redis")
    photos = [bundled_photo("chelsea.png"), bundled_photo("coffee.png")]
    result = subprocess.run(
        [str(REMEDIA), "submit", "image.correct", *map(str, photos), "--follow", "--json"],
        cwd=tmp_path,
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr + cluster.log("worker")
    runs = json.loads(result.stdout)["runs"]
    assert [run["input"] for run in runs] == [str(photo) for photo in photos]
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
    result = subprocess.run(
        [str(REMEDIA), "submit", "image.correct", str(bundled_photo("coffee.png")), str(missing)],
        cwd=tmp_path,
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert f"no input file at {missing}" in result.stderr
    assert FlowRun.objects.count() == before
