"""Fixtures shared by every suite: the distributed clusters, started once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cluster import Cluster, wait_for_log
from tests.support.run_store import create_test_database, drop_test_database
from tests.support.services import (
    RABBITMQ,
    RABBITMQ_URL,
    REDIS,
    REDIS_BROKER_URL,
    REDIS_LIVE_URL,
)

FLOW_MODULES = ",".join(
    (
        "tests.behaviour.flows",
        "tests.acceptance.slow_flows",
        "tests.integration.executor.fault_flows",
        "tests.live.flows",
    )
)
BROKERS = {"rabbitmq": (RABBITMQ, RABBITMQ_URL), "redis": (REDIS, REDIS_BROKER_URL)}


class ClusterPool:
    """One database for the session, and one running cluster per broker, made on demand."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.database_url: str | None = None
        #: One storage for every cluster on the shared database (see Cluster).
        self.storage = folder / "storage"
        self.clusters: dict[str, tuple[Cluster, Any]] = {}

    def database(self) -> str:
        if self.database_url is None:
            from tests.support.distributed import setup_run_store

            self.database_url = create_test_database(self.folder)
            setup_run_store(self.database_url, FLOW_MODULES)
        return self.database_url

    def get(self, broker: str) -> tuple[Cluster, Any]:
        """The cluster over ``broker`` ("rabbitmq" or "redis") and a service to submit with."""
        if broker not in self.clusters:
            service_check, url = BROKERS[broker]
            service_check.require()
            REDIS.require()
            from tests.support.distributed import build_service

            cluster = Cluster.configure(
                broker,
                self.folder / broker,
                broker_url=url,
                database_url=self.database(),
                storage=self.storage,
                live_url=REDIS_LIVE_URL,
                flow_modules=FLOW_MODULES,
            )
            cluster.start_worker("worker", concurrency=4)
            cluster.start_beat()
            wait_for_log(cluster, "worker", "ready.")
            self.clusters[broker] = (cluster, build_service(cluster))
        return self.clusters[broker]

    def close(self) -> None:
        for cluster, _ in self.clusters.values():
            cluster.close()
        if self.database_url is not None:
            from django.db import connections

            connections.close_all()
            drop_test_database(self.database_url)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the SQLite pass, leave out what only PostgreSQL does (SQLite submits publish after
    their commit, so there is no early message to test), rather than skip it."""
    from tests.support.run_store import test_database_kind

    if test_database_kind() != "sqlite":
        return
    kept = [item for item in items if item.get_closest_marker("postgresql_only") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(scope="session")
def cluster_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterPool]:
    pool = ClusterPool(tmp_path_factory.mktemp("clusters"))
    try:
        yield pool
    finally:
        pool.close()
