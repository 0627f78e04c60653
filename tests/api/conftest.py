"""Fixtures for the API suite: the real cluster behind the API, users, and their clients.

The API runs in this process (Django's test client), submitting to the session's RabbitMQ
cluster, so a run moves through real worker processes, with its snapshot in the real Redis and
its rows in the session's PostgreSQL (or SQLite) database. Each test makes its own users, so
what one test submits is invisible to another's non-staff users.

Django is configured by the cluster pool; nothing here imports Django models at collection.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from remedia.api.settings import ApiSettings
from tests.api.clients import ApiClient, make_user


@pytest.fixture(autouse=True)
def _no_api_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API's limits come from each test, never from the developer's shell."""
    for name in list(os.environ):
        if name.startswith("REMEDIA_API_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def api_runtime(cluster_pool: Any) -> Any:
    """An ApiRuntime bound to the session's RabbitMQ cluster."""
    cluster, service = cluster_pool.get("rabbitmq")
    from remedia.api.runtime import ApiRuntime
    from remedia.executor.live import LiveReader, LiveSettings, connect

    env = cluster.env
    live = LiveSettings(
        redis_url=env["REMEDIA_REDIS_URL"], key_prefix=env["REMEDIA_LIVE_KEY_PREFIX"]
    )
    return ApiRuntime(
        service=service,
        live=LiveReader(connect(live, name="remedia-api-tests"), live),
        mirror=service.mirror,
        broker_url=env["REMEDIA_BROKER_URL"],
        settings=ApiSettings(),
    )


@pytest.fixture
def api(api_runtime: Any) -> Iterator[Any]:
    """The runtime every request of this test uses (default limits)."""
    from remedia.api.runtime import use_runtime

    use_runtime(api_runtime)
    try:
        yield api_runtime
    finally:
        use_runtime(None)


@pytest.fixture
def limits(api: Any) -> Callable[..., Any]:
    """``limits(max_upload_bytes=1000)`` installs a runtime with those API settings."""
    from remedia.api.runtime import use_runtime

    def install(**changes: Any) -> Any:
        chosen = dataclasses.replace(api, settings=ApiSettings(**changes))
        use_runtime(chosen)
        return chosen

    return install


@pytest.fixture
def alice(api: Any) -> ApiClient:
    return ApiClient.with_token(make_user("alice"))


@pytest.fixture
def bob(api: Any) -> ApiClient:
    return ApiClient.with_token(make_user("bob"))


@pytest.fixture
def staff(api: Any) -> ApiClient:
    return ApiClient.with_token(make_user("staff", is_staff=True))


@pytest.fixture
def anonymous(api: Any) -> ApiClient:
    return ApiClient.anonymous()
