"""Stopping the API while clients watch: open streams are cut and the process exits 0."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import LiveService, another_api
from .sse import parse_stream


@pytest.fixture
def second_api(live_service: LiveService, tmp_path: Path) -> Iterator[LiveService]:
    """Another API process of the same service, for the test to stop."""
    with another_api(live_service, tmp_path, "api-2") as api:
        yield api


def test_sigint_ends_open_event_streams_and_the_api_exits_0(
    live_service: LiveService, second_api: LiveService, owner: Any
) -> None:
    source = live_service.store(b"tick\n", "tick.txt")
    run_id = live_service.submit("test.ticker", source, {"ticks": 1, "pause": 30.0}, owner)
    api = second_api.cluster.processes["api"]

    with (
        second_api.client(owner) as client,
        client.stream("GET", second_api.events_url(run_id)) as response,
    ):
        events = parse_stream(response.iter_lines())
        first = next(e for e in events if e.kind != ":")
        api.send_signal(signal.SIGINT)
        code = api.wait(60)
        try:
            rest = [e for e in events if e.kind != ":"]
        except httpx.RemoteProtocolError:
            rest = []
    live_service.harness.service.cancel(run_id)

    assert first.id == "1-0"
    assert code == 0
    assert all(e.kind != "end" for e in rest)
