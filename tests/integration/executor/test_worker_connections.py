"""A worker keeps its database connections from one task to the next (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.behaviour import flows
from tests.integration.executor.ledger import workdir
from tests.support.distributed import DistributedHarness, DistributedRun


def worker_sessions() -> set[tuple[int, object]]:
    """The sessions remedia workers hold on this database, as (pid, backend_start)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = 'remedia-worker'"
        )
        return set(cursor.fetchall())


@pytest.mark.postgresql_only
def test_a_worker_reuses_its_database_connection_across_tasks(cluster_pool, tmp_path):
    cluster, service = cluster_pool.get("rabbitmq")
    harness = DistributedHarness("rabbitmq", cluster, service)
    params = {"workdir": str(workdir(tmp_path))}

    def run_some(count: int) -> None:
        for i in range(count):
            text = harness.store(f"connection {i}".encode())
            run = DistributedRun(service, service.submit(flows.linear, {"text": text}, params))
            assert run.wait(60).state == "COMPLETED"

    run_some(3)
    before = worker_sessions()
    run_some(6)
    after = worker_sessions()

    # Closed after each task, no session would outlive the runs that opened it.
    assert before & after, f"no worker session lasted across runs: {before} then {after}"
    assert len(after - before) < 6, "a new session was opened for each run"
