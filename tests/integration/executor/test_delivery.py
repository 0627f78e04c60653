"""Deliveries the broker repeats, steps past their timeout, and steps nobody published."""

from __future__ import annotations

import pytest
from django.db import close_old_connections

from remedia.executor.store.outbound import Publisher
from tests.behaviour import flows
from tests.integration.executor import fault_flows
from tests.integration.executor.ledger import (
    attempts_of,
    check_completed,
    check_failed,
    queue_depth,
    wait_until,
    workdir,
)
from tests.support.distributed import DistributedHarness


def step_rows(run_id: str) -> dict[str, object]:
    from remedia.executor.store.models import StepRun

    close_old_connections()
    return {row.node: row for row in StepRun.objects.filter(run_id=run_id)}


def stale_deliveries(cluster) -> int:
    """How many run_step deliveries the worker dropped because the step was not claimable."""
    path = cluster.folder / "worker.log"
    return path.read_text(errors="replace").count(": 'stale'")


@pytest.fixture
def shared_rabbitmq(cluster_pool, sole_reaper):
    """The pool's RabbitMQ cluster, whose beat alone reaps while the test runs."""
    cluster, service = cluster_pool.get("rabbitmq")
    with sole_reaper(cluster):
        yield cluster, service


def test_a_step_message_delivered_twice_completes_once_with_one_output(shared_rabbitmq, tmp_path):
    cluster, service = shared_rabbitmq
    harness = DistributedHarness("rabbitmq", cluster, service)
    queue = f"{cluster.env['REMEDIA_BROKER_QUEUE_PREFIX']}.default"
    work = workdir(tmp_path)
    text = harness.store(b"twice")
    before = stale_deliveries(cluster)
    run = harness.submit(
        fault_flows.slow_then_seal, {"text": text}, {"workdir": str(work), "seconds": 1.5}
    )
    wait_until((work / f"{run.run_id}.1.started").exists, 30, "the slow step to start")
    slow = step_rows(run.run_id)["linger"]
    # A duplicate while the step runs, and one of each step after the run completed.
    service.publisher.publish_step(slow.id, run.run_id, slow.queue)
    record = run.wait(60)
    assert record.state == "COMPLETED", {k: (s.state, s.error) for k, s in record.steps.items()}
    for row in step_rows(run.run_id).values():
        service.publisher.publish_step(row.id, run.run_id, row.queue)
    wait_until(lambda: stale_deliveries(cluster) >= before + 3, 30, "the duplicates to arrive")
    wait_until(lambda: queue_depth(queue) == 0, 30, f"{queue} to drain")
    check_completed([run.run_id], harness.storage)
    rows = step_rows(run.run_id)
    assert {node: attempts_of(row.id) for node, row in rows.items()} == {
        "linger": ["completed"],
        "seal": ["completed"],
    }
    assert len(list((work).glob(f"{run.run_id}.*.started"))) == 1


def test_a_step_past_its_timeout_fails_with_a_reason_that_says_it_timed_out(cluster_pool, tmp_path):
    cluster, service = cluster_pool.get("rabbitmq")
    harness = DistributedHarness("rabbitmq", cluster, service)
    work = workdir(tmp_path)
    text = harness.store(b"too slow")
    run = harness.submit(flows.timeout_flow, {"text": text}, {"workdir": str(work)})
    assert run.wait(60).state == "FAILED"
    step = check_failed(run.run_id, harness.storage)
    assert step.error_code == "timeout", (step.error_code, step.error)
    assert "timed out" in step.error, step.error
    # The worker's soft time limit stopped it, not the reaper's deadline sweep.
    from remedia.executor.store.models import StepAttempt

    attempt = StepAttempt.objects.get(step_id=step.id)
    assert attempt.outcome == "failed", attempt.outcome
    assert attempt.error.startswith("timed out after 0.3s"), attempt.error
    assert flows.executions(work, "stall") == 1
    assert cluster.processes["worker"].poll() is None, cluster.log("worker")


class BrokenPublisher(Publisher):
    """A publisher whose broker is unreachable: every publish raises."""

    def publish_step(self, step_id, run_id, queue, timeout=None) -> None:
        raise ConnectionError("the broker is unreachable")

    def schedule_advance(self, run_id, countdown) -> None:
        raise ConnectionError("the broker is unreachable")


def test_a_step_committed_but_never_published_is_published_by_the_reaper(
    cluster_pool, sole_reaper, tmp_path
):
    from remedia.executor.store.service import RunService

    cluster, service = cluster_pool.get("rabbitmq")
    broken = RunService(
        catalogue=service.catalogue,
        storage=service.storage,
        publisher=BrokenPublisher(),
        mirror=service.mirror,
        settings=service.settings,
    )
    harness = DistributedHarness("rabbitmq", cluster, broken)
    work = workdir(tmp_path)
    # No beat runs while the run is submitted, so nothing but the publisher could publish it.
    with sole_reaper(None):
        text = harness.store(b"never published")
        run = harness.submit(flows.linear, {"text": text}, {"workdir": str(work)})
        first = step_rows(run.run_id)["shout"]
        assert (first.state, first.published_at) == ("QUEUED", None)
        cluster.start_beat()
        try:
            assert run.wait(60).state == "COMPLETED", cluster.log("beat")
        finally:
            cluster.stop("beat")
    check_completed([run.run_id], harness.storage)
    rows = step_rows(run.run_id)
    assert rows["shout"].published_at is not None
    # Each later step was published, or claimed by the worker that settled the step before it
    # in the same commit (continued, so never published).
    assert all(row.published_at is not None or row.worker for row in rows.values())
    assert flows.executions(work, "shout") == 1
