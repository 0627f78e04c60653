"""``GET /runs/{id}/events`` over real HTTP, with real workers running the run."""

from __future__ import annotations

from typing import Any

import redis

from remedia.executor.live import RunKeys
from tests.support.services import REDIS_LIVE_URL

from .conftest import LiveService
from .sse import SseEvent, follow


def _ticker(live: LiveService, owner: Any, **params: Any) -> str:
    source = live.store(b"tick tock\n", "clock.txt")
    return live.submit("test.ticker", source, {"ticks": 10, **params}, owner)


def _state_seqs(events: list[SseEvent]) -> list[int]:
    return [e.seq for e in events if e.kind in ("run", "step")]


def _whole_stream(live: LiveService, owner: Any, run_id: str) -> list[SseEvent]:
    with live.client(owner) as client:
        return follow(client, live.events_url(run_id))


def test_events_arrive_in_order_without_a_gap_and_the_stream_ends_with_the_run(
    live_service: LiveService, owner: Any
) -> None:
    run_id = _ticker(live_service, owner)

    events = _whole_stream(live_service, owner, run_id)

    body, end = events[:-1], events[-1]
    assert [e.position for e in body] == sorted({e.position for e in body})
    seqs = _state_seqs(body)
    assert seqs == list(range(1, len(seqs) + 1))
    assert {e.kind for e in body} == {"run", "step", "progress"}
    assert (body[-1].kind, body[-1].json["state"]) == ("run", "COMPLETED")
    assert (end.kind, end.json, end.id) == ("end", {"state": "COMPLETED"}, None)


def test_each_event_names_its_kind_and_carries_its_change_as_json(
    live_service: LiveService, owner: Any
) -> None:
    run_id = _ticker(live_service, owner, ticks=3)

    events = _whole_stream(live_service, owner, run_id)

    progress = [e.json for e in events if e.kind == "progress"]
    assert {(p["node"], p["message"]) for p in progress} >= {
        ("tick", "tick 3"),
        ("tick-2", "tick 3"),
    }
    steps = {(e.json["node"], e.json["state"]) for e in events if e.kind == "step"}
    assert {("tick", "COMPLETED"), ("tick-2", "COMPLETED")} <= steps
    assert all(e.json["kind"] == e.kind for e in events if e.kind != "end")


def test_a_client_reconnecting_with_last_event_id_misses_nothing(
    live_service: LiveService, owner: Any
) -> None:
    run_id = _ticker(live_service, owner, ticks=30)
    with live_service.client(owner) as client:
        first = follow(client, live_service.events_url(run_id), limit=5)
        rest = follow(client, live_service.events_url(run_id), last_event_id=first[-1].id)

    whole = _whole_stream(live_service, owner, run_id)
    assert [(e.id, e.data) for e in first + rest] == [(e.id, e.data) for e in whole]


def test_the_last_event_id_query_parameter_resumes_like_the_header(
    live_service: LiveService, owner: Any
) -> None:
    run_id = _ticker(live_service, owner, ticks=3)
    whole = _whole_stream(live_service, owner, run_id)
    middle = whole[len(whole) // 2]

    with live_service.client(owner) as client:
        url = f"{live_service.events_url(run_id)}?last_event_id={middle.id}"
        rest = follow(client, url)

    assert [e.id for e in rest] == [e.id for e in whole[len(whole) // 2 + 1 :]]


def test_a_client_that_saw_the_last_event_gets_only_the_end(
    live_service: LiveService, owner: Any
) -> None:
    run_id = _ticker(live_service, owner, ticks=2)
    whole = _whole_stream(live_service, owner, run_id)

    with live_service.client(owner) as client:
        rest = follow(client, live_service.events_url(run_id), last_event_id=whole[-2].id)

    assert [(e.kind, e.json) for e in rest] == [("end", {"state": "COMPLETED"})]


def _live_keys(live: LiveService, run_id: str) -> RunKeys:
    return RunKeys.of(live.cluster.env["REMEDIA_LIVE_KEY_PREFIX"], run_id)


def test_a_run_that_redis_lost_is_streamed_from_the_database(
    live_service: LiveService, owner: Any
) -> None:
    run_id = _ticker(live_service, owner, ticks=2)
    whole = _whole_stream(live_service, owner, run_id)
    client = redis.Redis.from_url(REDIS_LIVE_URL)
    client.delete(*_live_keys(live_service, run_id).all())
    client.close()

    again = _whole_stream(live_service, owner, run_id)

    state_events = [(e.id, e.json) for e in whole if e.kind in ("run", "step")]
    assert [(e.id, e.json) for e in again if e.kind in ("run", "step")] == state_events
    assert again[-1].json == {"state": "COMPLETED"}


def test_state_events_missing_from_the_redis_stream_are_filled_in_from_the_database(
    live_service: LiveService, owner: Any
) -> None:
    run_id = _ticker(live_service, owner, ticks=2)
    whole = _whole_stream(live_service, owner, run_id)
    client = redis.Redis.from_url(REDIS_LIVE_URL)
    client.xdel(_live_keys(live_service, run_id).stream, "2-0", "3-0", "4-0")
    client.close()

    again = _whole_stream(live_service, owner, run_id)

    assert _state_seqs(again) == _state_seqs(whole)
    assert [e.id for e in again] == [e.id for e in whole]


def test_an_idle_stream_sends_heartbeat_comments(live_service: LiveService, owner: Any) -> None:
    run_id = _ticker(live_service, owner, ticks=1, pause=3.0)

    with live_service.client(owner) as client:
        events = follow(client, live_service.events_url(run_id), comments=True)

    assert any(e.kind == ":" and e.data == "heartbeat" for e in events)
    assert events[-1].kind == "end"
