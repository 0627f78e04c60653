"""The Redis that ``remedia up`` starts: found without an install, and durable across restarts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from remedia.config.embedded_redis import EmbeddedRedis, find_server, free_port, packaged_server
from remedia.executor.live import check_server


@pytest.fixture
def servers() -> Iterator[list[EmbeddedRedis]]:
    started: list[EmbeddedRedis] = []
    yield started
    for server in started:
        server.stop()


def _start(servers: list[EmbeddedRedis], folder: Path) -> Redis:
    server = EmbeddedRedis(folder, free_port())
    server.start()
    servers.append(server)
    return Redis.from_url(server.url, decode_responses=True)


def test_the_packaged_server_is_used_when_no_redis_server_is_on_the_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, servers: list[EmbeddedRedis]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    assert find_server() == str(packaged_server())
    client = _start(servers, tmp_path / "redis")
    assert check_server(client) >= (7, 0)


def test_a_queued_message_survives_a_restart_of_the_embedded_redis(
    tmp_path: Path, servers: list[EmbeddedRedis]
) -> None:
    before = _start(servers, tmp_path / "redis")
    before.lpush("remedia.default", "step 42")
    servers.pop().stop()

    after = _start(servers, tmp_path / "redis")

    assert after.lrange("remedia.default", 0, -1) == ["step 42"]
