"""The service over real HTTP: uvicorn, a worker and beat as subprocesses on a free port.

They run against the suite's PostgreSQL database, RabbitMQ and Redis (the live store), like
the api, worker and beat containers of compose.yml. The test process creates users and runs
in the same database and talks to the service only over HTTP.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from remedia.config.embedded_redis import free_port
from remedia.flows import Artifact, load_flow_modules
from tests.conftest import FLOW_MODULES, ClusterPool
from tests.support.cluster import Cluster, wait_for_log
from tests.support.distributed import DistributedHarness, build_service
from tests.support.services import RABBITMQ, RABBITMQ_URL, REDIS, REDIS_LIVE_URL

from .accounts import bearer_token, make_user, session_cookie

#: Every progress report is written at once, and an idle stream beats every second.
SERVICE_SETTINGS = {
    "REMEDIA_LIVE_PROGRESS_INTERVAL_MS": "0",
    "REMEDIA_EVENTS_HEARTBEAT_SECONDS": "1",
    "REMEDIA_EVENTS_POLL_MS": "250",
}


@dataclass
class LiveService:
    """The running service, and what the test process needs to talk to it."""

    url: str
    cluster: Cluster
    harness: DistributedHarness

    def client(self, user: Any | None = None) -> httpx.Client:
        """An API client with a bearer token of ``user`` (anonymous without one)."""
        headers = bearer_token(user) if user is not None else None
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def browser(self, user: Any) -> httpx.Client:
        """A browser's session, as after ``user`` signed in."""
        return httpx.Client(base_url=self.url, cookies=session_cookie(user), timeout=60)

    def store(self, data: Path | bytes, name: str = "input.txt") -> Artifact:
        return self.harness.store(data, name)

    def submit(self, flow_name: str, source: Artifact, params: dict[str, Any], owner: Any) -> str:
        flow = load_flow_modules().flow(flow_name)
        service = self.harness.service
        inputs = {flow.inputs[0]: source}
        return service.submit(flow, inputs, params, owner_id=owner.pk)

    def events_url(self, run_id: str) -> str:
        return f"/api/v1/runs/{run_id}/events"


def wait_for_http(cluster: Cluster, port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            process = cluster.processes["api"]
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"the API did not listen on {port}:\n{cluster.log('api')}"
                ) from None
            time.sleep(0.1)


@contextlib.contextmanager
def another_api(
    live_service: LiveService, folder: Path, name: str, env: Mapping[str, str] | None = None
) -> Iterator[LiveService]:
    """A second API process of the same service (optionally with changed variables), stopped
    when the block ends: for tests that stop it or break its view of a service."""
    cluster = Cluster(
        name, folder, live_service.cluster.storage, dict(env or live_service.cluster.env)
    )
    port = free_port()
    cluster.start("api", "api", "--host", "127.0.0.1", "--port", str(port))
    try:
        wait_for_http(cluster, port)
        yield LiveService(f"http://127.0.0.1:{port}", cluster, live_service.harness)
    finally:
        cluster.stop("api")


@pytest.fixture(scope="session")
def live_service(
    cluster_pool: ClusterPool, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveService]:
    RABBITMQ.require()
    REDIS.require()
    cluster = Cluster.configure(
        "http",
        tmp_path_factory.mktemp("http"),
        broker_url=RABBITMQ_URL,
        database_url=cluster_pool.database(),
        storage=cluster_pool.storage,
        live_url=REDIS_LIVE_URL,
        flow_modules=FLOW_MODULES,
        extra=SERVICE_SETTINGS,
    )
    port = free_port()
    try:
        cluster.start("api", "api", "--host", "127.0.0.1", "--port", str(port))
        cluster.start_worker("worker", concurrency=2)
        cluster.start_beat()
        wait_for_log(cluster, "worker", "ready.")
        wait_for_http(cluster, port)
        harness = DistributedHarness("http", cluster, build_service(cluster))
        yield LiveService(f"http://127.0.0.1:{port}", cluster, harness)
    finally:
        cluster.close()


@pytest.fixture
def owner(live_service: LiveService) -> Any:
    return make_user("owner")


@pytest.fixture
def stranger(live_service: LiveService) -> Any:
    return make_user("stranger")
