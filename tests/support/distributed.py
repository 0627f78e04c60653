"""The distributed executor as the behaviour suite drives it: submit here, run in workers.

The test process is a client like the API will be: it holds a RunService bound to the
cluster's broker, database, live store and storage, and reads runs back from the database.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.db import close_old_connections
from pydantic import BaseModel

from remedia.executor import RunRecord
from remedia.executor.inputs import ingest_file
from remedia.executor.states import RUN_TERMINAL
from remedia.flows import Artifact, Flow, load_flow_modules
from remedia.storage import LocalStorage

from .cluster import FAST_EXECUTOR, Cluster

POLL_SECONDS = 0.05


def setup_run_store(database_url: str, flow_modules: str) -> None:
    """Point this process's Django at the test database and create the tables (once)."""
    os.environ["REMEDIA_DATABASE_URL"] = database_url
    os.environ["REMEDIA_FLOW_MODULES"] = flow_modules
    from remedia.config.django_setup import migrate

    migrate()


def build_service(cluster: Cluster) -> Any:
    from remedia.executor.distributed.app import create_celery_app
    from remedia.executor.distributed.publisher import CeleryPublisher
    from remedia.executor.distributed.tasks import register_tasks
    from remedia.executor.live import LivePublisher, LiveSettings, connect
    from remedia.executor.settings import BrokerSettings, ExecutorSettings
    from remedia.executor.store.mirror import LiveMirror
    from remedia.executor.store.service import RunService

    env = cluster.env
    executor = ExecutorSettings(
        **{k.removeprefix("REMEDIA_EXECUTOR_").lower(): float(v) for k, v in FAST_EXECUTOR.items()}
    )
    broker = BrokerSettings(
        url=env["REMEDIA_BROKER_URL"], queue_prefix=env["REMEDIA_BROKER_QUEUE_PREFIX"]
    )
    app = create_celery_app(broker, executor)
    register_tasks(app)
    live = LiveSettings(
        redis_url=env["REMEDIA_REDIS_URL"], key_prefix=env["REMEDIA_LIVE_KEY_PREFIX"]
    )
    modules = tuple(m for m in env["REMEDIA_FLOW_MODULES"].split(",") if m)
    return RunService(
        catalogue=load_flow_modules(("remedia.flows.image", *modules)),
        storage=LocalStorage(cluster.storage),
        publisher=CeleryPublisher(app, timeout_grace=executor.timeout_grace_seconds),
        mirror=LiveMirror(LivePublisher(connect(live, name="remedia-tests"), live)),
        settings=executor,
    )


class DistributedRun:
    """A run submitted to the cluster, read back from the database."""

    def __init__(self, service: Any, run_id: str) -> None:
        self.service = service
        self.run_id = run_id

    def snapshot(self) -> RunRecord:
        from remedia.executor.store.persist import load_run

        close_old_connections()
        return load_run(self.run_id, lock=False).record

    def wait(self, timeout: float) -> RunRecord:
        deadline = time.monotonic() + timeout
        while True:
            record = self.snapshot()
            if record.state in RUN_TERMINAL:
                return record
            if time.monotonic() > deadline:
                states = {s.label: s.state.value for s in record.steps.values()}
                raise TimeoutError(
                    f"run {self.run_id} still {record.state} after {timeout}s: {states}"
                )
            time.sleep(POLL_SECONDS)

    def cancel(self) -> None:
        self.service.cancel(self.run_id)


class DistributedHarness:
    """Implements the behaviour suite's Harness over a running Cluster."""

    def __init__(self, name: str, cluster: Cluster, service: Any) -> None:
        self.name = name
        self.cluster = cluster
        self.service = service
        self.storage = service.storage

    def submit(
        self, flow: Flow, inputs: Mapping[str, Artifact], params: BaseModel | dict[str, Any]
    ) -> DistributedRun:
        return DistributedRun(self.service, self.service.submit(flow, inputs, params))

    def retry(self, run_id: str) -> DistributedRun:
        self.service.retry(run_id)
        return DistributedRun(self.service, run_id)

    def store(self, data: Path | bytes, name: str = "input.txt") -> Artifact:
        if isinstance(data, Path):
            return ingest_file(self.storage, data)
        uploads = self.cluster.folder / "uploads" / uuid.uuid4().hex
        uploads.mkdir(parents=True)
        path = uploads / name
        path.write_bytes(data)
        return ingest_file(self.storage, path)

    def close(self) -> None:
        return None
