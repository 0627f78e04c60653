"""A delivered step that starts before its claim is committed (``RunService.claim_later``):
claimed and settled in one commit, or claimed by the heartbeat once it runs for a while;
never run twice by a duplicate, never uncounted when it kills its worker."""

from __future__ import annotations

import uuid

from tests.behaviour import flows
from tests.integration.executor import fault_flows
from tests.integration.executor.ledger import attempts_of, wait_until, workdir
from tests.integration.executor.test_committed_steps import recording_service
from tests.support.distributed import DistributedHarness

DONE = {"value": 1}


def submitted(service, publisher, tmp_path, harness) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    text = harness.store(b"early")
    run_id = service.submit(flows.linear, {"text": text}, {"workdir": str(workdir(tmp_path))})
    return run_id, publisher.steps.pop(0)


def step_row(step_id: int):  # type: ignore[no-untyped-def]
    from remedia.executor.store.models import StepRun

    return StepRun.objects.get(id=step_id)


def test_a_step_started_early_is_claimed_and_settled_in_one_commit(
    cluster_pool, sole_reaper, tmp_path
):
    _, shared = cluster_pool.get("rabbitmq")
    from remedia.executor.attempt import Outcome
    from remedia.executor.store.models import FlowRunEvent

    service, publisher = recording_service(shared)
    harness = DistributedHarness("rabbitmq", _, service)
    with sole_reaper(None):
        run_id, step_id = submitted(service, publisher, tmp_path, harness)
        early = service.claim_later(step_id, run_id)
        assert early is not None and early.deferred and early.attempt == 1
        assert step_row(step_id).state == "QUEUED"  # nothing was written
        events_before = FlowRunEvent.objects.filter(run_id=run_id).count()

        settled, _ = service.finish_and_continue(early, Outcome("completed", output=DONE))

    assert settled
    row = step_row(step_id)
    assert (row.state, row.attempt, row.output) == ("COMPLETED", 1, DONE)
    assert attempts_of(step_id) == ["completed"]
    states = FlowRunEvent.objects.filter(run_id=run_id, node=row.node).order_by("seq")
    assert list(states.values_list("state", flat=True)) == ["QUEUED", "RUNNING", "COMPLETED"]
    assert FlowRunEvent.objects.filter(run_id=run_id).count() > events_before


def test_an_early_start_whose_step_another_delivery_claimed_is_dropped(
    cluster_pool, sole_reaper, tmp_path
):
    _, shared = cluster_pool.get("rabbitmq")
    from remedia.executor.attempt import Outcome

    service, publisher = recording_service(shared)
    harness = DistributedHarness("rabbitmq", _, service)
    with sole_reaper(None):
        run_id, step_id = submitted(service, publisher, tmp_path, harness)
        early = service.claim_later(step_id, run_id)
        other = service.claim(step_id, worker="elsewhere:1", run_id=run_id)
        assert other is not None and other.attempt == 1

        settled, _ = service.finish_and_continue(early, Outcome("completed", output=DONE))

    assert not settled
    row = step_row(step_id)
    assert (row.state, row.worker, row.output) == ("RUNNING", "elsewhere:1", None)


def test_an_early_start_in_a_run_cancelled_meanwhile_ends_cancelled(
    cluster_pool, sole_reaper, tmp_path
):
    _, shared = cluster_pool.get("rabbitmq")
    from remedia.executor.attempt import Outcome

    service, publisher = recording_service(shared)
    harness = DistributedHarness("rabbitmq", _, service)
    with sole_reaper(None):
        run_id, step_id = submitted(service, publisher, tmp_path, harness)
        early = service.claim_later(step_id, run_id)
        service.cancel(run_id)

        settled, _ = service.finish_and_continue(early, Outcome("completed", output=DONE))

    assert not settled
    assert step_row(step_id).state == "CANCELLED"
    assert service.run_state(run_id) == "CANCELLED"


def test_a_lost_early_start_is_recorded_as_a_lost_attempt_before_the_next_claim(
    cluster_pool, sole_reaper, tmp_path
):
    _, shared = cluster_pool.get("rabbitmq")
    service, publisher = recording_service(shared)
    harness = DistributedHarness("rabbitmq", _, service)
    with sole_reaper(None):
        run_id, step_id = submitted(service, publisher, tmp_path, harness)

        claim = service.claim(step_id, run_id=run_id, lost_start=("gone:4242", 1))

    assert claim is not None and claim.attempt == 2
    assert attempts_of(step_id) == ["lost", None]
    assert "before it claimed" in str(step_row(step_id).attempts.get(number=1).error), (
        "the lost attempt says why"
    )


def test_a_second_early_start_of_a_step_waits_and_learns_who_started_it(cluster_pool):
    _, shared = cluster_pool.get("rabbitmq")
    from remedia.executor.distributed.deferred_claim import StartReservations

    client = shared.mirror.publisher.client
    reservations = StartReservations(client, f"test-{uuid.uuid4().hex}:", 0.1, 30)

    first = reservations.reserve(7, "host:1", 3)
    second = reservations.reserve(7, "host:2", 3)
    reservations.release(7)
    third = reservations.reserve(7, "host:3", 3)

    assert first.granted and first.lost_start is None
    assert not second.granted and second.lost_start == ("host:1", 3)
    assert third.granted
    reservations.release(7)


def test_a_step_that_runs_longer_than_claim_after_shows_running_while_it_runs(
    cluster_pool, tmp_path
):
    cluster, service = cluster_pool.get("rabbitmq")
    harness = DistributedHarness("rabbitmq", cluster, service)
    work = workdir(tmp_path)
    text = harness.store(b"slow")
    run = harness.submit(
        fault_flows.slow_then_seal, {"text": text}, {"workdir": str(work), "seconds": 3}
    )
    wait_until((work / f"{run.run_id}.1.started").exists, 30, "the slow step to start")

    def linger_row():  # type: ignore[no-untyped-def]
        from django.db import close_old_connections

        from remedia.executor.store.models import StepRun

        close_old_connections()
        return StepRun.objects.get(run_id=run.run_id, node="linger")

    row = wait_until(
        lambda: (found := linger_row()).state == "RUNNING" and found, 10, "linger RUNNING"
    )
    assert row.worker and row.heartbeat_at is not None
    assert run.wait(60).state == "COMPLETED"
    assert attempts_of(row.id) == ["completed"]


def early_start_of(flow, cluster_pool, tmp_path):  # type: ignore[no-untyped-def]
    """What a worker decides for the delivered first step of a new run of ``flow``."""
    from types import SimpleNamespace

    from remedia.executor.distributed.deferred_claim import StartReservations
    from remedia.executor.distributed.tasks import _start_early

    cluster, shared = cluster_pool.get("rabbitmq")
    service, publisher = recording_service(shared)
    harness = DistributedHarness("rabbitmq", cluster, service)
    text = harness.store(b"which start")
    run_id = service.submit(flow, {"text": text}, {"workdir": str(workdir(tmp_path))})
    step_id = publisher.steps.pop(0)
    client = shared.mirror.publisher.client
    reservations = StartReservations(client, f"test-{uuid.uuid4().hex}:", 0.5, 30)
    runtime = SimpleNamespace(service=service, reservations=reservations)
    deferred, lost_start = _start_early(runtime, step_id, run_id)  # type: ignore[arg-type]
    return deferred, lost_start, client.exists(reservations._key(step_id))


def test_a_step_without_a_timeout_starts_before_its_claim(cluster_pool, sole_reaper, tmp_path):
    with sole_reaper(None):
        deferred, lost_start, reserved = early_start_of(flows.linear, cluster_pool, tmp_path)

    assert deferred is not None and deferred.claim.deferred
    assert lost_start is None and reserved


def test_a_step_with_a_timeout_is_claimed_before_it_starts(cluster_pool, sole_reaper, tmp_path):
    # Its soft time limit could interrupt a deferred claim's settlement, leaving it QUEUED.
    with sole_reaper(None):
        deferred, lost_start, reserved = early_start_of(flows.timeout_flow, cluster_pool, tmp_path)

    assert deferred is None and lost_start is None
    assert not reserved
