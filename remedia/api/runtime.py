"""ApiRuntime: what the API's handlers share in one process, built once from the environment.

The run service (with its Celery publisher and live mirror), the live snapshot reader, the
storage and the API's limits. Built on first use, never at import, so importing the API
connects to nothing; tests install their own with ``use_runtime``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from remedia.executor.live import LivePublisher, LiveReader, LiveSettings, connect
from remedia.executor.settings import BrokerSettings
from remedia.executor.store.mirror import LiveMirror
from remedia.executor.store.service import RunService
from remedia.flows import Catalogue
from remedia.storage import Storage

from .settings import ApiSettings


@dataclass
class ApiRuntime:
    service: RunService
    live: LiveReader
    mirror: LiveMirror
    broker_url: str
    settings: ApiSettings = field(default_factory=ApiSettings)

    @property
    def storage(self) -> Storage:
        return self.service.storage

    @property
    def catalogue(self) -> Catalogue:
        return self.service.catalogue


def runtime_from_environment() -> ApiRuntime:
    """Everything from ``REMEDIA_*`` variables, as the worker reads them."""
    from remedia.executor.distributed.app import create_celery_app
    from remedia.executor.distributed.runtime import build_service

    live_settings = LiveSettings()
    mirror = LiveMirror(LivePublisher(connect(live_settings, name="remedia-api"), live_settings))
    service = build_service(create_celery_app(), mirror)
    return ApiRuntime(
        service=service,
        live=LiveReader(connect(live_settings, name="remedia-api-reader"), live_settings),
        mirror=mirror,
        broker_url=BrokerSettings().url,
        settings=ApiSettings(),
    )


class _Installed:
    """The process's runtime, behind a lock so two first requests do not build two."""

    lock = threading.Lock()
    current: ApiRuntime | None = None


def runtime() -> ApiRuntime:
    """This process's runtime, built from the environment on first use."""
    if _Installed.current is None:
        with _Installed.lock:
            if _Installed.current is None:
                _Installed.current = runtime_from_environment()
    return _Installed.current


def use_runtime(chosen: ApiRuntime | None) -> None:
    """Install ``chosen`` for every request of this process (None: rebuild on next use)."""
    with _Installed.lock:
        _Installed.current = chosen
