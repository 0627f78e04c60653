"""Clusters for the fault tests.

``fault_cluster`` is a second RabbitMQ cluster with two workers, for tests that kill workers
or restart the broker. Like every cluster of the pool it uses the pool's one storage, so a
step either cluster publishes runs correctly on the other. Every cluster of a
test run shares one database, and any cluster's beat reaps every run in it, so a test whose
recovery depends on the reaper keeps only the beat of the cluster under test running
(``sole_reaper``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest

from tests.conftest import FLOW_MODULES, ClusterPool
from tests.support.cluster import Cluster, wait_for_log
from tests.support.distributed import DistributedHarness, build_service
from tests.support.services import RABBITMQ, RABBITMQ_URL, REDIS, REDIS_LIVE_URL

FAULT_WORKERS = ("fault-a", "fault-b")
_extra_clusters: list[Cluster] = []


def start_fault_worker(cluster: Cluster, role: str) -> None:
    cluster.start_worker(role, concurrency=2)
    wait_for_log(cluster, role, "ready.")


@pytest.fixture(scope="session")
def fault_cluster(cluster_pool: ClusterPool) -> Iterator[tuple[Cluster, Any]]:
    RABBITMQ.require()
    REDIS.require()
    cluster_pool.get("rabbitmq")  # the shared cluster first: its database and storage
    folder = cluster_pool.folder / "fault"
    folder.mkdir(exist_ok=True)
    cluster = Cluster.configure(
        "fault",
        folder,
        broker_url=RABBITMQ_URL,
        database_url=cluster_pool.database(),
        storage=cluster_pool.storage,
        live_url=REDIS_LIVE_URL,
        flow_modules=FLOW_MODULES,
    )
    for role in FAULT_WORKERS:
        start_fault_worker(cluster, role)
    cluster.start("fault-beat", "beat", "--loglevel", "info")
    _extra_clusters.append(cluster)
    try:
        yield cluster, build_service(cluster)
    finally:
        _extra_clusters.remove(cluster)
        cluster.close()


@pytest.fixture
def fault_harness(fault_cluster: tuple[Cluster, Any]) -> DistributedHarness:
    cluster, service = fault_cluster
    return DistributedHarness("fault", cluster, service)


def _beat_role(cluster: Cluster) -> str:
    return "fault-beat" if cluster.name == "fault" else "beat"


@pytest.fixture
def sole_reaper(
    cluster_pool: ClusterPool,
) -> Callable[[Cluster | None], AbstractContextManager[None]]:
    """``with sole_reaper(cluster):`` stops every other cluster's beat, restarting them after;
    ``sole_reaper(None)`` stops them all."""

    @contextmanager
    def only(keep: Cluster | None) -> Iterator[None]:
        others = [c for c, _ in cluster_pool.clusters.values()] + list(_extra_clusters)
        stopped = []
        for cluster in others:
            role = _beat_role(cluster)
            if cluster is not keep and role in cluster.processes:
                cluster.stop(role)
                stopped.append((cluster, role))
        try:
            yield
        finally:
            for cluster, role in stopped:
                cluster.start(role, "beat", "--loglevel", "info")

    return only
