"""What every fault test ends with: the ledger of RELIABILITY §1.6, read from the database.

Every accepted run is terminal; a run expected to complete is COMPLETED; every step has exactly
one committed completion (one StepAttempt with outcome "completed"); every output object the
database records exists in storage with the digest the database recorded; and nothing else is
stored under a run's output keys.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.db import close_old_connections

from remedia.flows.artifact import ARTIFACT_TAG
from remedia.storage import Storage


def artifacts_in(value: Any) -> list[dict[str, Any]]:
    """Every artifact an encoded step output refers to."""
    if isinstance(value, dict):
        if ARTIFACT_TAG in value:
            return [value[ARTIFACT_TAG]]
        return [found for item in value.values() for found in artifacts_in(item)]
    if isinstance(value, list):
        return [found for item in value for found in artifacts_in(item)]
    return []


def digest_of(storage: Storage, key: str) -> str:
    with storage.open(key) as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def attempts_of(step_id: int) -> list[str | None]:
    """The outcomes of a step's attempts, in the order they started."""
    from remedia.executor.store.models import StepAttempt

    return list(
        StepAttempt.objects.filter(step_id=step_id)
        .order_by("number")
        .values_list("outcome", flat=True)
    )


def check_completed(run_ids: Iterable[str], storage: Storage) -> None:
    """Assert the ledger for runs that must all have COMPLETED: nothing lost, none twice."""
    from remedia.executor.store.models import FlowRun, StepRun

    close_old_connections()
    run_ids = list(run_ids)
    runs = {run.id: run for run in FlowRun.objects.filter(id__in=run_ids)}
    assert set(runs) == set(run_ids), f"runs missing from the database: {set(run_ids) - set(runs)}"
    states = {run_id: run.state for run_id, run in runs.items()}
    assert all(state == "COMPLETED" for state in states.values()), states
    for run_id in run_ids:
        steps = list(StepRun.objects.filter(run_id=run_id))
        assert steps, f"run {run_id} has no steps"
        recorded: set[str] = set()
        for step in steps:
            assert step.state == "COMPLETED", (step.label, step.state, step.error)
            outcomes = attempts_of(step.id)
            assert outcomes.count("completed") == 1, (run_id, step.label, outcomes)
            assert None not in outcomes, (run_id, step.label, outcomes)
            found = artifacts_in(step.output)
            assert found, f"step {step.label} of run {run_id} recorded no output"
            for artifact in found:
                key = artifact["key"]
                assert storage.exists(key), f"{key} of run {run_id} is missing from storage"
                assert digest_of(storage, key) == artifact["digest"], f"{key} differs from the DB"
                recorded.add(key)
        stored = set(storage.keys(f"runs/{run_id}/"))
        assert stored == recorded, f"run {run_id}: stored {sorted(stored)}, DB {sorted(recorded)}"


def check_failed(run_id: str, storage: Storage) -> Any:
    """Assert a run ended FAILED with a reason on every failed step; returns the failed step."""
    from remedia.executor.store.models import FlowRun, StepRun

    close_old_connections()
    run = FlowRun.objects.get(id=run_id)
    assert run.state == "FAILED", run.state
    failed = list(StepRun.objects.filter(run_id=run_id, state="FAILED"))
    assert len(failed) == 1, [(s.label, s.state) for s in StepRun.objects.filter(run_id=run_id)]
    step = failed[0]
    assert step.error_code and step.error, (step.error_code, step.error)
    assert "completed" not in attempts_of(step.id)
    assert not list(storage.keys(f"runs/{run_id}/{step.node}")), "a failed step left output"
    return step


def wait_until(condition: Callable[[], Any], timeout: float, what: str, poll: float = 0.05) -> Any:
    """Poll ``condition`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(poll)


def rabbitmqctl(*args: str, timeout: float = 60.0) -> str:
    done = subprocess.run(
        ["rabbitmqctl", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"rabbitmqctl {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def queue_depth(name: str) -> int | None:
    """Ready plus unacknowledged messages of a RabbitMQ queue (None if it does not exist)."""
    out = rabbitmqctl("list_queues", "--quiet", "--no-table-headers", "name", "messages")
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == name:
            return int(parts[1])
    return None


def consumers_of(name: str) -> int:
    out = rabbitmqctl("list_queues", "--quiet", "--no-table-headers", "name", "consumers")
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == name:
            return int(parts[1])
    return 0


def workdir(tmp_path: Path, name: str = "work") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder
