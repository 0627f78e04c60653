"""The event stream when Redis does not answer: the database's event rows, polled, suffice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from remedia.config.embedded_redis import free_port

from .conftest import LiveService, another_api
from .sse import follow


@pytest.fixture
def api_without_redis(live_service: LiveService, tmp_path: Path) -> Iterator[LiveService]:
    """A second API process of the same service whose Redis is a port nobody listens on."""
    env = live_service.cluster.env | {"REMEDIA_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    with another_api(live_service, tmp_path, "no-redis", env) as api:
        yield api


def test_without_redis_a_run_is_followed_from_the_database_to_its_end(
    live_service: LiveService, api_without_redis: LiveService, owner: Any
) -> None:
    source = live_service.store(b"tick\n", "tick.txt")
    run_id = live_service.submit("test.ticker", source, {"ticks": 3, "pause": 1.0}, owner)

    with api_without_redis.client(owner) as client:
        from_database = follow(client, api_without_redis.events_url(run_id))
    with live_service.client(owner) as client:
        from_redis = follow(client, live_service.events_url(run_id))

    def states(events: list) -> list[tuple[str | None, str]]:
        return [(e.id, e.data) for e in events if e.kind in ("run", "step")]

    assert states(from_database) == states(from_redis)
    assert from_database[-1].json == {"state": "COMPLETED"}
