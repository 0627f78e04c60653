"""A worker that settles a step runs the successor it made ready itself, in the same commit.

The chain must look exactly as if every step had gone through the broker: the same states in
the same order, one numbered event per transition, and one committed attempt per step.
"""

from __future__ import annotations

import itertools

import pytest
from django.db import close_old_connections

from tests.behaviour import flows
from tests.integration.executor.ledger import check_completed, workdir
from tests.support.distributed import DistributedHarness


@pytest.mark.parametrize("broker", ["rabbitmq", "redis"])
def test_a_continued_chain_completes_with_every_event_in_order(cluster_pool, broker, tmp_path):
    cluster, service = cluster_pool.get(broker)
    from remedia.executor.store.models import FlowRunEvent, StepAttempt, StepRun

    harness = DistributedHarness(f"celery-{broker}", cluster, service)
    work = workdir(tmp_path)
    text = harness.store(b"chain")
    run = harness.submit(flows.linear, {"text": text}, {"workdir": str(work)})
    assert run.wait(60).state == "COMPLETED"
    check_completed([run.run_id], harness.storage)

    close_old_connections()
    events = list(
        FlowRunEvent.objects.filter(run_id=run.run_id)
        .order_by("seq")
        .values_list("seq", "kind", "node", "state", "attempt")
    )
    assert [seq for seq, *_ in events] == list(range(1, len(events) + 1))
    order = ["shout", "reverse", "bracket"]
    expected = [("run", None, "RUNNING", None)]
    # shout is QUEUED at submit, before the run starts; each later step is QUEUED by the
    # commit that completes the one before it, and RUNNING in that same commit.
    expected.insert(0, ("step", "shout", "QUEUED", 0))
    expected.append(("step", "shout", "RUNNING", 1))
    for before, after in itertools.pairwise(order):
        expected += [
            ("step", before, "COMPLETED", 1),
            ("step", after, "QUEUED", 0),
            ("step", after, "RUNNING", 1),
        ]
    expected += [("step", "bracket", "COMPLETED", 1), ("run", None, "COMPLETED", None)]
    assert [tuple(event[1:]) for event in events] == expected

    rows = {row.node: row for row in StepRun.objects.filter(run_id=run.run_id)}
    attempts = {
        node: worker
        for node, worker in StepAttempt.objects.filter(step__run_id=run.run_id).values_list(
            "step__node", "worker"
        )
    }
    for node in order[1:]:
        assert rows[node].published_at is None, f"{node} went through the broker"
        assert attempts[node] == attempts["shout"], attempts
    assert all(flows.executions(work, node) == 1 for node in order)
