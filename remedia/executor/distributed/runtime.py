"""WorkerRuntime: what one worker process builds once and every task in it shares.

The run service, the storage, the live store's writers and the heartbeat thread are created
on the first task a process runs (after the prefork pool forked it), from settings read then,
never at import.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celery import Celery

from remedia.config.django_setup import setup_django
from remedia.config.flow_settings import FlowSettings
from remedia.executor.live import LivePublisher, LiveSettings, ProgressWriter, connect
from remedia.executor.settings import ExecutorSettings
from remedia.storage.settings import StorageSettings

from .deferred_claim import StartReservations
from .publisher import CeleryPublisher

if TYPE_CHECKING:
    from remedia.executor.store.heartbeat import Heartbeat
    from remedia.executor.store.mirror import LiveMirror
    from remedia.executor.store.service import RunService

logger = logging.getLogger("remedia.worker")


@dataclass
class WorkerRuntime:
    service: RunService
    heartbeat: Heartbeat
    progress: ProgressWriter
    mirror: LiveMirror
    # None when steps are claimed before they start (``claim_after_seconds`` is 0).
    reservations: StartReservations | None = None


_runtimes: dict[int, WorkerRuntime] = {}


def runtime_for(app: Celery) -> WorkerRuntime:
    """The runtime of this process for ``app``, built on first use."""
    found = _runtimes.get(id(app))
    if found is None:
        found = _runtimes[id(app)] = build_runtime(app)
    return found


def build_service(app: Celery, mirror: LiveMirror) -> RunService:
    """The run service of any process that submits or runs steps (a worker, the API), from
    the ``REMEDIA_*`` variables, publishing through ``app``."""
    from remedia.executor.store.service import RunService

    executor: ExecutorSettings = app.remedia_executor  # type: ignore[attr-defined]
    return RunService(
        catalogue=FlowSettings().load(),
        storage=StorageSettings().open(),
        publisher=CeleryPublisher(app, timeout_grace=executor.timeout_grace_seconds),
        mirror=mirror,
        settings=executor,
    )


def build_runtime(app: Celery) -> WorkerRuntime:
    setup_django()
    from remedia.executor.store.heartbeat import Heartbeat
    from remedia.executor.store.mirror import LiveMirror

    executor: ExecutorSettings = app.remedia_executor  # type: ignore[attr-defined]
    live_settings = LiveSettings()
    live = LivePublisher(connect(live_settings, name="remedia-worker"), live_settings)
    mirror = LiveMirror(live)
    reservations = None
    if executor.claim_after_seconds > 0:
        reservations = StartReservations(
            live.client,
            live_settings.key_prefix,
            executor.claim_after_seconds,
            executor.republish_after_seconds,
        )
    return WorkerRuntime(
        service=build_service(app, mirror),
        heartbeat=Heartbeat(executor.heartbeat_seconds),
        progress=ProgressWriter(live),
        mirror=mirror,
        reservations=reservations,
    )
