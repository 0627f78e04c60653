"""Workers that die: SIGKILL in the middle of a step, and a step that kills its own process."""

from __future__ import annotations

import os
import signal
import socket
from functools import partial

import pytest
from django.db import close_old_connections

from tests.integration.executor import fault_flows
from tests.integration.executor.conftest import FAULT_WORKERS, start_fault_worker
from tests.integration.executor.ledger import (
    attempts_of,
    check_completed,
    check_failed,
    wait_until,
    workdir,
)

KILLED_RUNS = 20


@pytest.fixture(autouse=True)
def reaped_by_the_fault_cluster(fault_cluster, sole_reaper):
    """A lost attempt may be re-queued by a reaper before the broker redelivers it: keep that
    reaper the fault cluster's own, whose broker and storage its steps belong to."""
    with sole_reaper(fault_cluster[0]):
        yield


def running_child(run_id: str, node: str) -> int | None:
    """The pid of the process running the first attempt of a step, once it is running."""
    from remedia.executor.store.models import StepRun

    close_old_connections()
    row = StepRun.objects.filter(run_id=run_id, node=node).first()
    if row is None or row.state != "RUNNING" or row.attempt != 1 or not row.worker:
        return None
    host, _, pid = row.worker.rpartition(":")
    assert host == socket.gethostname(), row.worker
    return int(pid)


def attempt_log(run_id: str) -> list[tuple]:
    from remedia.executor.store.models import StepAttempt

    close_old_connections()
    return list(
        StepAttempt.objects.filter(step__run_id=run_id)
        .order_by("id")
        .values_list("step__node", "number", "worker", "outcome", "error")
    )


def step_ids(run_id: str) -> dict[str, int]:
    from remedia.executor.store.models import StepRun

    close_old_connections()
    return dict(StepRun.objects.filter(run_id=run_id).values_list("node", "id"))


def test_a_step_whose_worker_child_is_killed_runs_again_and_every_run_completes(
    fault_harness, fault_cluster, tmp_path
):
    cluster, _ = fault_cluster
    work = workdir(tmp_path)
    params = {"workdir": str(work)}
    run_ids = []
    for number in range(KILLED_RUNS):
        text = fault_harness.store(f"run {number}".encode())
        run = fault_harness.submit(fault_flows.killed_once, {"text": text}, params)
        run_ids.append(run.run_id)
        marker = work / f"{run.run_id}.started"
        wait_until(marker.exists, 30, f"run {number}'s first attempt to start")
        pid = wait_until(partial(running_child, run.run_id, "doomed_once"), 10, "the step's pid")
        os.kill(pid, signal.SIGKILL)
        record = run.wait(60)
        assert record.state == "COMPLETED", (
            number,
            {k: (s.state, s.error_code, s.error) for k, s in record.steps.items()},
            attempt_log(run.run_id),
        )
    for name in FAULT_WORKERS:
        assert cluster.processes[name].poll() is None, f"{name} died:\n{cluster.log(name)}"
    check_completed(run_ids, fault_harness.storage)
    for run_id in run_ids:
        ids = step_ids(run_id)
        assert attempts_of(ids["doomed_once"]) == ["lost", "completed"], run_id
        assert attempts_of(ids["seal"]) == ["completed"], run_id


def test_a_whole_worker_killed_mid_step_is_replaced_and_the_run_completes(
    fault_harness, fault_cluster, tmp_path
):
    cluster, _ = fault_cluster
    work = workdir(tmp_path)
    text = fault_harness.store(b"whole worker")
    run = fault_harness.submit(fault_flows.killed_once, {"text": text}, {"workdir": str(work)})
    wait_until((work / f"{run.run_id}.started").exists, 30, "the first attempt to start")
    pid = wait_until(lambda: running_child(run.run_id, "doomed_once"), 10, "the step's pid")
    victim = next(role for role in FAULT_WORKERS if os.getpgid(pid) == cluster.processes[role].pid)
    cluster.kill(victim)
    start_fault_worker(cluster, victim)
    assert run.wait(60).state == "COMPLETED", attempt_log(run.run_id)
    check_completed([run.run_id], fault_harness.storage)
    assert attempts_of(step_ids(run.run_id)["doomed_once"]) == ["lost", "completed"]


def attempt_workers(run_id: str) -> dict[tuple[str, int], str]:
    from remedia.executor.store.models import StepAttempt

    close_old_connections()
    rows = StepAttempt.objects.filter(step__run_id=run_id).values_list(
        "step__node", "number", "worker"
    )
    return {(node, number): worker for node, number, worker in rows}


def test_a_continued_step_whose_worker_child_is_killed_runs_again_and_the_run_completes(
    fault_harness, fault_cluster, tmp_path
):
    work = workdir(tmp_path)
    text = fault_harness.store(b"continued")
    run = fault_harness.submit(
        fault_flows.continued_then_killed, {"text": text}, {"workdir": str(work)}
    )
    wait_until((work / f"{run.run_id}.started").exists, 30, "the continued attempt to start")
    pid = wait_until(lambda: running_child(run.run_id, "doomed_once"), 10, "the step's pid")
    # The process that settled ``prepare`` claimed ``doomed_once`` in the same commit: it was
    # never published, and only the reaper's lost-heartbeat rule can bring it back.
    workers = attempt_workers(run.run_id)
    assert workers[("doomed_once", 1)] == workers[("prepare", 1)], workers
    from remedia.executor.store.models import StepRun

    assert StepRun.objects.get(run_id=run.run_id, node="doomed_once").published_at is None
    os.kill(pid, signal.SIGKILL)
    record = run.wait(60)
    assert record.state == "COMPLETED", attempt_log(run.run_id)
    check_completed([run.run_id], fault_harness.storage)
    ids = step_ids(run.run_id)
    assert attempts_of(ids["prepare"]) == ["completed"]
    assert attempts_of(ids["doomed_once"]) == ["lost", "completed"]
    assert attempts_of(ids["seal"]) == ["completed"]


def test_a_step_that_kills_its_process_on_every_attempt_fails_as_worker_lost(
    fault_harness, fault_cluster, tmp_path
):
    cluster, service = fault_cluster
    work = workdir(tmp_path)
    text = fault_harness.store(b"poison")
    run = fault_harness.submit(fault_flows.poison, {"text": text}, {"workdir": str(work)})
    assert run.wait(60).state == "FAILED"
    step = check_failed(run.run_id, fault_harness.storage)
    assert step.error_code == "worker_lost", step.error
    assert "the last allowed" in step.error, step.error
    # The step has no retries of its own: one attempt, plus the re-runs a lost worker earns.
    allowed = 1 + service.settings.lost_attempts_allowed
    outcomes = attempts_of(step.id)
    assert 1 <= len(outcomes) <= allowed, outcomes
    assert set(outcomes) == {"lost"}, outcomes
    runs = (work / "suicidal.runs").read_text().split()
    assert len(runs) == len(outcomes), (runs, outcomes)
    for name in FAULT_WORKERS:
        assert cluster.processes[name].poll() is None, f"{name} died:\n{cluster.log(name)}"
    # The workers still do work after the poison.
    text = fault_harness.store(b"after the poison")
    after = fault_harness.submit(
        fault_flows.slow_then_seal, {"text": text}, {"workdir": str(work), "seconds": 0.1}
    )
    assert after.wait(60).state == "COMPLETED"
    check_completed([after.run_id], fault_harness.storage)
