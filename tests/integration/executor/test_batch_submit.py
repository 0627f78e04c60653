"""``RunService.submit_many``: many runs in one transaction, all of them or none."""

from __future__ import annotations

import pytest

from tests.behaviour import flows
from tests.integration.executor.ledger import workdir
from tests.integration.executor.test_committed_steps import recording_service
from tests.support.distributed import DistributedHarness, DistributedRun


@pytest.mark.parametrize("broker", ["rabbitmq", "redis"])
def test_every_run_of_a_batch_completes_through_the_workers(cluster_pool, tmp_path, broker):
    cluster, service = cluster_pool.get(broker)
    from remedia.executor import RunState
    from remedia.executor.store.service import NewRun
    from remedia.flows import decode_value

    harness = DistributedHarness(broker, cluster, service)
    texts = [harness.store(f"batch {i}".encode()) for i in range(12)]
    params = {"workdir": str(workdir(tmp_path))}

    run_ids = service.submit_many([NewRun(flows.linear, {"text": t}, params) for t in texts])

    assert len(set(run_ids)) == 12
    for i, run_id in enumerate(run_ids):
        run = DistributedRun(service, run_id).wait(60)
        assert run.state == RunState.COMPLETED, run.error
        output = harness.storage.read_bytes(decode_value(run.outputs["result"]).key)
        assert output == b"[" + f"BATCH {i}".encode()[::-1] + b"]"


def test_a_batch_with_one_invalid_run_writes_and_publishes_nothing(cluster_pool, tmp_path):
    _, shared = cluster_pool.get("rabbitmq")
    from remedia.executor.store.models import FlowRun
    from remedia.executor.store.service import NewRun
    from remedia.flows.errors import ParameterError

    service, publisher = recording_service(shared)
    harness = DistributedHarness("rabbitmq", _, service)
    text = harness.store(b"fine")
    good = NewRun(flows.linear, {"text": text}, {"workdir": str(workdir(tmp_path))})
    bad = NewRun(flows.linear, {"text": text}, {"workdir": ["not", "a", "path"]})
    before = FlowRun.objects.count()

    with pytest.raises(ParameterError, match="workdir"):
        service.submit_many([good, good, bad])

    assert FlowRun.objects.count() == before
    assert publisher.steps == []


def test_each_run_of_a_batch_has_its_own_numbered_events_and_live_snapshot(cluster_pool, tmp_path):
    _, shared = cluster_pool.get("rabbitmq")
    from remedia.executor.store.models import FlowRunEvent, StepRun
    from remedia.executor.store.service import NewRun

    service, publisher = recording_service(shared)
    harness = DistributedHarness("rabbitmq", _, service)
    text = harness.store(b"events")
    new = NewRun(flows.linear, {"text": text}, {"workdir": str(workdir(tmp_path))})

    run_ids = service.submit_many([new] * 5)

    # Each run queued its first step, and that step (and no other) was published.
    first_steps = StepRun.objects.filter(run_id__in=run_ids, state="QUEUED")
    assert sorted(publisher.steps) == sorted(first_steps.values_list("id", flat=True))
    assert all(step.published_at is not None for step in first_steps)
    for run_id in run_ids:
        seqs = list(
            FlowRunEvent.objects.filter(run_id=run_id).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, len(seqs) + 1)) and seqs
        live = shared.mirror.publisher
        assert live.client.exists(live.keys(run_id).snapshot), f"run {run_id} has no snapshot"


def test_an_empty_batch_submits_nothing(cluster_pool):
    _, shared = cluster_pool.get("rabbitmq")
    service, publisher = recording_service(shared)

    assert service.submit_many([]) == []
    assert publisher.steps == []
