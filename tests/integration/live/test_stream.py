"""The event stream: ordered, numbered, resumable from any id, and waitable."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from redis import Redis

from remedia.executor.live import (
    LivePublisher,
    LiveReader,
    LiveSettings,
    ProgressWriter,
    StreamEvent,
)
from remedia.executor.states import RunState, StepState

from .ledger import Ledger


def _wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.005)


def test_events_come_back_in_order_and_a_reader_resuming_from_an_id_gets_exactly_the_later_ones(
    publisher: LivePublisher, reader: LiveReader
) -> None:
    ledger = Ledger.new("run-1", ["decode", "encode"])
    publisher.rebuild(ledger.view())
    progress = ProgressWriter(publisher, interval_ms=0)
    for change in (ledger.move_run(RunState.RUNNING), ledger.move_step("decode", StepState.QUEUED)):
        publisher.write_transitions(ledger.run_id, [change])
    running = ledger.move_step("decode", StepState.RUNNING)
    publisher.write_transitions(ledger.run_id, [running])
    decode = progress.for_step(ledger.run_id, "decode")
    decode.report(1, 3)
    decode.report(2, 3)
    publisher.write_transitions(
        ledger.run_id,
        [
            ledger.move_step("decode", StepState.COMPLETED),
            ledger.move_step("encode", StepState.QUEUED),
        ],
    )

    everything = reader.events(ledger.run_id)
    resumed = reader.events(ledger.run_id, after="4-1")

    assert [e.id for e in everything] == ["1-0", "2-0", "3-0", "4-0", "4-1", "4-2", "5-0", "6-0"]
    assert [e.data["kind"] for e in everything] == [
        "run", "run", "step", "step", "progress", "progress", "step", "step"
    ]  # fmt: skip
    assert [e.data.get("seq") for e in everything if e.is_state] == [1, 2, 3, 4, 5, 6]
    assert [e.id for e in resumed] == ["4-2", "5-0", "6-0"]
    assert resumed == everything[-3:]
    assert reader.events(ledger.run_id, after="6-0") == []


def test_a_blocking_read_wakes_up_when_an_event_is_appended(
    settings: LiveSettings, publisher: LivePublisher, redis_client: Redis
) -> None:
    ledger = Ledger.new("run-1", ["decode"])
    publisher.rebuild(ledger.view())
    name = f"blocked-reader-{settings.key_prefix.split(':')[1]}"
    blocked = LiveReader.from_settings(settings, block_ms=10_000)
    blocked.client.client_setname(name)
    received: list[StreamEvent] = []
    thread = threading.Thread(
        target=lambda: received.extend(blocked.events(ledger.run_id, "1-0", block_ms=10_000))
    )
    thread.start()

    def reader_is_blocked() -> bool:
        return any(c["name"] == name and "b" in c["flags"] for c in redis_client.client_list())

    _wait_until(reader_is_blocked)
    change = ledger.move_step("decode", StepState.QUEUED)
    publisher.write_transition(ledger.run_id, change.event, step=change.step)
    thread.join(timeout=5)

    assert not thread.is_alive(), "the blocked read did not return after the append"
    assert [(e.id, e.data["state"]) for e in received] == [("2-0", "QUEUED")]
    blocked.client.close()


def test_an_event_whose_predecessor_was_never_published_reaches_an_idle_reader(
    settings: LiveSettings, redis_client: Redis
) -> None:
    impatient = settings.model_copy(update={"gap_timeout_ms": 50})
    publisher = LivePublisher(redis_client, impatient)
    reader = LiveReader.from_settings(impatient, block_ms=1_000)
    ledger = Ledger.new("run-1", ["decode"])
    publisher.rebuild(ledger.view())
    ledger.move_step("decode", StepState.QUEUED)  # committed, but its publish was lost
    running = ledger.move_step("decode", StepState.RUNNING)
    publisher.write_transitions(ledger.run_id, [running])
    received: list[StreamEvent] = []

    def delivered() -> bool:
        received.extend(reader.events(ledger.run_id, after="1-0", block_ms=100))
        return bool(received)

    _wait_until(delivered)

    assert [(e.id, e.data["state"]) for e in received] == [("3-0", "RUNNING")]
    reader.client.close()
