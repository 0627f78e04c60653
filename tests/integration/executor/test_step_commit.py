"""``synchronous_step_commit``: which transactions may skip waiting for PostgreSQL's WAL flush."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection

from tests.behaviour import flows
from tests.integration.executor.ledger import workdir
from tests.integration.executor.test_committed_steps import recording_service
from tests.support.distributed import DistributedHarness

RELAX = "SET LOCAL synchronous_commit = off"


@contextmanager
def statements(seen: list[str]):
    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield


@pytest.mark.parametrize("synchronous", [True, False])
def test_only_a_steps_own_transactions_skip_the_flush_and_only_when_allowed(
    cluster_pool, sole_reaper, tmp_path, synchronous
):
    cluster, shared = cluster_pool.get("rabbitmq")
    from remedia.executor.attempt import Outcome

    service, publisher = recording_service(
        shared, shared.settings.model_copy(update={"synchronous_step_commit": synchronous})
    )
    harness = DistributedHarness("rabbitmq", cluster, service)
    relaxed = not synchronous and connection.vendor == "postgresql"
    with sole_reaper(None):
        text = harness.store(b"flush")
        submitted: list[str] = []
        with statements(submitted):
            run_id = service.submit(
                flows.linear, {"text": text}, {"workdir": str(workdir(tmp_path))}
            )
        stepped: list[str] = []
        with statements(stepped):
            claim = service.claim(publisher.steps.pop(0))
            assert claim is not None
            settled, following = service.finish_and_continue(
                claim, Outcome("completed", output={"value": 1}), queues=("default",)
            )
            assert settled and following is not None
        cancelled: list[str] = []
        with statements(cancelled):
            assert service.cancel(run_id)

    def relaxing(seen: list[str]) -> int:
        return sum(RELAX in sql for sql in seen)

    assert relaxing(submitted) == 0 and relaxing(cancelled) == 0
    assert relaxing(stepped) == (2 if relaxed else 0)
