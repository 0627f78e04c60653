"""A Redis that is down never fails, nor noticeably slows, a step."""

from __future__ import annotations

import socket
import time

from remedia.executor.live import LivePublisher, LiveSettings, ProgressWriter, WriteResult
from remedia.executor.states import StepState

from .ledger import Ledger


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_redis_that_is_down_makes_progress_and_transition_writes_return_quickly_without_raising(
    settings: LiveSettings,
) -> None:
    down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{_closed_port()}/0"})
    publisher = LivePublisher.from_settings(down)
    ledger = Ledger.new("run-1", ["decode"])
    step = ProgressWriter(publisher, interval_ms=0).for_step(ledger.run_id, "decode")

    started = time.monotonic()
    rebuilt = publisher.rebuild(ledger.view())
    change = ledger.move_step("decode", StepState.QUEUED)
    written = publisher.write_transition(ledger.run_id, change.event, step=change.step)
    for row in range(1, 10_001):
        step.report(row, 10_000)
    elapsed = time.monotonic() - started

    assert (rebuilt, written) == (WriteResult.FAILED, WriteResult.FAILED)
    assert elapsed < 1.0, f"writes to a down Redis took {elapsed:.2f}s"
    assert publisher.stats.failures >= 3
    assert "ConnectionError" in (publisher.stats.last_error or "")
    assert step.flush() == WriteResult.FAILED, "the final value stays pending for a retry"
