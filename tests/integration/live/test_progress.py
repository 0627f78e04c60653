"""Throttled progress: a step may report on every row and pay almost nothing for it."""

from __future__ import annotations

from redis import Redis

from remedia.executor.live import LivePublisher, LiveReader, ProgressWriter
from remedia.executor.states import StepState

from .ledger import Ledger

CALLS = 100_000


def _running(publisher: LivePublisher, node: str) -> Ledger:
    ledger = Ledger.new("run-1", [node])
    publisher.rebuild(ledger.view())
    publisher.write_transitions(
        ledger.run_id,
        [ledger.move_step(node, StepState.QUEUED), ledger.move_step(node, StepState.RUNNING)],
    )
    return ledger


def _progress_events(reader: LiveReader, run_id: str) -> list[dict[str, object]]:
    return [e.data for e in reader.events(run_id, count=100_000) if not e.is_state]


def test_progress_reported_100000_times_costs_a_few_dozen_writes_and_delivers_the_last_value(
    publisher: LivePublisher, reader: LiveReader, redis_client: Redis
) -> None:
    ledger = _running(publisher, "white_balance")
    step = ProgressWriter(publisher, interval_ms=100).for_step(ledger.run_id, "white_balance")
    writes_before = publisher.stats.writes

    for row in range(1, CALLS):
        step.report(row, CALLS, f"row {row}")
    step.flush()

    progress_writes = publisher.stats.writes - writes_before
    events = _progress_events(reader, ledger.run_id)
    snapshot = reader.snapshot(ledger.run_id)
    assert 1 <= progress_writes <= 40
    assert len(events) == progress_writes, "every write is one stream entry, no more"
    assert events[-1]["done"] == CALLS - 1
    assert snapshot is not None
    assert snapshot.steps["white_balance"].fraction == (CALLS - 1) / CALLS
    assert snapshot.steps["white_balance"].message == f"row {CALLS - 1}"


def test_the_final_progress_report_is_written_at_once(
    publisher: LivePublisher, reader: LiveReader
) -> None:
    ledger = _running(publisher, "encode")
    step = ProgressWriter(publisher, interval_ms=60_000).for_step(ledger.run_id, "encode")

    step.report(1, 10, "first")  # written: nothing was written yet
    step.report(5, 10, "coalesced")  # held: inside the interval
    step.report(10, 10, "done")  # final: written without waiting or flushing

    events = _progress_events(reader, ledger.run_id)
    snapshot = reader.snapshot(ledger.run_id)
    assert [(e["done"], e["message"]) for e in events] == [(1, "first"), (10, "done")]
    assert snapshot is not None
    assert (snapshot.steps["encode"].fraction, snapshot.steps["encode"].message) == (1.0, "done")
    assert step.flush() is None, "nothing is left pending"
