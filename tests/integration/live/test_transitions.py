"""A committed transition, published once, is what the API reads back."""

from __future__ import annotations

from remedia.executor.live import LivePublisher, LiveReader, ProgressWriter, WriteResult
from remedia.executor.states import RunState, StepState

from .ledger import Ledger


def _started(publisher: LivePublisher, ledger: Ledger) -> None:
    assert publisher.rebuild(ledger.view()) == WriteResult.WRITTEN


def test_a_transition_is_visible_in_the_snapshot_and_as_an_event_in_one_read_each(
    publisher: LivePublisher, reader: LiveReader
) -> None:
    ledger = Ledger.new("run-1", ["decode", "encode"])
    _started(publisher, ledger)

    change = ledger.move_step("decode", StepState.QUEUED)
    result = publisher.write_transition(ledger.run_id, change.event, step=change.step)

    assert result == WriteResult.WRITTEN
    snapshot = reader.snapshot(ledger.run_id)
    assert snapshot is not None
    assert snapshot.steps["decode"].state == StepState.QUEUED
    assert snapshot.steps["encode"].state == StepState.PENDING
    assert snapshot.run.state == RunState.PENDING
    assert snapshot.last_event_id == "2-0"
    events = reader.events(ledger.run_id, after="1-0")
    assert [(e.id, e.data["kind"], e.data["state"], e.data["node"]) for e in events] == [
        ("2-0", "step", "QUEUED", "decode")
    ]


def test_progress_does_not_overwrite_a_steps_state(
    publisher: LivePublisher, reader: LiveReader
) -> None:
    ledger = Ledger.new("run-1", ["denoise"])
    _started(publisher, ledger)
    for change in (
        ledger.move_step("denoise", StepState.QUEUED),
        ledger.move_step("denoise", StepState.RUNNING),
    ):
        publisher.write_transition(ledger.run_id, change.event, step=change.step)
    progress = ProgressWriter(publisher, interval_ms=0).for_step(ledger.run_id, "denoise")
    progress.report(40, 100, "row 40")
    while_running = reader.snapshot(ledger.run_id)
    failed = ledger.move_step("denoise", StepState.FAILED, error="out of memory")
    publisher.write_transition(ledger.run_id, failed.event, step=failed.step)
    progress.report(41, 100, "row 41")  # a late report from the dying attempt

    snapshot = reader.snapshot(ledger.run_id)

    assert while_running is not None
    running = while_running.steps["denoise"]
    assert (running.state, running.fraction, running.message) == (
        StepState.RUNNING,
        0.4,
        "row 40",
    )
    assert snapshot is not None
    step = snapshot.steps["denoise"]
    assert (step.state, step.error, step.attempt) == (StepState.FAILED, "out of memory", 1)
    assert (step.fraction, step.message) == (0.41, "row 41")


def test_a_transition_published_late_neither_regresses_the_snapshot_nor_breaks_event_order(
    publisher: LivePublisher, reader: LiveReader
) -> None:
    ledger = Ledger.new("run-1", ["split"])
    _started(publisher, ledger)
    queued = ledger.move_step("split", StepState.QUEUED)
    running = ledger.move_step("split", StepState.RUNNING)

    publisher.write_transition(ledger.run_id, running.event, step=running.step)
    held = reader.snapshot(ledger.run_id)
    publisher.write_transition(ledger.run_id, queued.event, step=queued.step)

    snapshot = reader.snapshot(ledger.run_id)
    assert held is not None and held.steps["split"].state == StepState.RUNNING
    assert held.last_event_id == "1-0", "RUNNING waits in order behind the missing QUEUED"
    assert snapshot is not None and snapshot.steps["split"].state == StepState.RUNNING
    events = reader.events(ledger.run_id)
    assert [(e.id, e.data["state"]) for e in events] == [
        ("1-0", "PENDING"),
        ("2-0", "QUEUED"),
        ("3-0", "RUNNING"),
    ]


def test_a_transition_for_a_run_missing_from_redis_asks_for_a_rebuild_and_writes_nothing(
    publisher: LivePublisher, reader: LiveReader
) -> None:
    ledger = Ledger.new("run-1", ["decode"])
    change = ledger.move_step("decode", StepState.QUEUED)

    result = publisher.write_transition(ledger.run_id, change.event, step=change.step)

    assert result == WriteResult.NEEDS_REBUILD
    assert reader.snapshot(ledger.run_id) is None
    assert reader.events(ledger.run_id) == []
