"""On PostgreSQL a submit publishes its first steps before it commits: a worker that receives
one before the commit waits for it instead of dropping the message."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from tests.behaviour import flows
from tests.integration.executor.ledger import wait_until, workdir
from tests.integration.executor.test_committed_steps import recording_service
from tests.support.distributed import DistributedHarness


def waiting_for_advisory_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.postgresql_only
def test_a_message_that_overtakes_its_submit_is_claimed_once_the_submit_commits(
    cluster_pool, sole_reaper, tmp_path
):
    cluster, shared = cluster_pool.get("rabbitmq")
    from remedia.executor.store.models import StepRun

    service, publisher = recording_service(shared)
    harness = DistributedHarness("rabbitmq", cluster, service)
    claims: list[object] = []

    def worker(step_id: int, run_id: str) -> None:
        try:
            claims.append(service.claim(step_id, run_id=run_id))
        finally:
            connection.close()

    with sole_reaper(None):
        text = harness.store(b"early")
        with transaction.atomic():
            run_id = service.submit(
                flows.linear, {"text": text}, {"workdir": str(workdir(tmp_path))}
            )
            # Published, not yet committed: the step is invisible to any other connection.
            (step_id,) = publisher.steps
            thread = threading.Thread(target=worker, args=(step_id, run_id))
            thread.start()
            wait_until(
                lambda: waiting_for_advisory_lock() or not thread.is_alive(),
                30,
                "the worker to wait for the submit's lock",
            )
            assert thread.is_alive(), f"the worker did not wait for the submit: {claims}"
        thread.join(30)
    assert len(claims) == 1 and claims[0] is not None, claims
    row = StepRun.objects.get(id=step_id)
    assert (row.state, row.attempt) == ("RUNNING", 1)
    assert row.published_at is not None
