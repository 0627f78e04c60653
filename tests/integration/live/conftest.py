"""Fixtures for live progress against the real Redis at 127.0.0.1:6379.

Each test gets its own key prefix in database 15 (``REMEDIA_TEST_REDIS_URL`` overrides),
with its keys deleted before and after, so the suite can share a Redis with a running
deployment. A Redis that is down fails the test with the command that starts it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from redis import Redis, RedisError

from remedia.executor.live import LivePublisher, LiveReader, LiveSettings, connect

REDIS_URL = os.environ.get("REMEDIA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
START_REDIS = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'


@pytest.fixture(autouse=True)
def _no_remedia_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from the test, never from the developer's shell."""
    for name in list(os.environ):
        if name.startswith("REMEDIA_") and name != "REMEDIA_TEST_REDIS_URL":
            monkeypatch.delenv(name)


def _delete_prefix(client: Redis, prefix: str) -> None:
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def settings() -> LiveSettings:
    return LiveSettings(
        redis_url=REDIS_URL,
        key_prefix=f"remedia-test:{uuid.uuid4().hex[:12]}:",
        progress_interval_ms=100,
        terminal_ttl_seconds=3600,
        gap_timeout_ms=60_000,
    )


@pytest.fixture
def redis_client(settings: LiveSettings) -> Iterator[Redis]:
    client = connect(settings)
    try:
        client.ping()
    except RedisError as error:
        pytest.fail(
            f"Redis at 127.0.0.1:6379 is not reachable: start it with {START_REDIS} ({error})"
        )
    _delete_prefix(client, settings.key_prefix)
    yield client
    _delete_prefix(client, settings.key_prefix)
    client.close()


@pytest.fixture
def publisher(settings: LiveSettings, redis_client: Redis) -> LivePublisher:
    return LivePublisher(redis_client, settings)


@pytest.fixture
def reader(settings: LiveSettings, redis_client: Redis) -> Iterator[LiveReader]:
    reader = LiveReader.from_settings(settings, block_ms=10_000)
    yield reader
    reader.client.close()
