"""Redis may be flushed at any moment; the database's view of a run restores it."""

from __future__ import annotations

from redis import Redis

from remedia.executor.live import LivePublisher, LiveReader, ProgressWriter, WriteResult
from remedia.executor.states import RunState, StepState

from .ledger import Ledger


def _finished_run(publisher: LivePublisher) -> Ledger:
    ledger = Ledger.new("run-1", ["decode", "fix_segment", "encode"])
    publisher.rebuild(ledger.view())
    progress = ProgressWriter(publisher, interval_ms=0)
    publisher.write_transitions(ledger.run_id, [ledger.move_run(RunState.RUNNING, started_at=5.0)])
    for node, map_index in (("decode", None), ("fix_segment", 0), ("fix_segment", 1)):
        for state in (StepState.QUEUED, StepState.RUNNING):
            publisher.write_transitions(ledger.run_id, [ledger.move_step(node, state, map_index)])
        step = progress.for_step(ledger.run_id, node, map_index)
        step.report(1, 2, "half way")
        publisher.write_transitions(
            ledger.run_id, [ledger.move_step(node, StepState.COMPLETED, map_index)]
        )
    publisher.write_transitions(
        ledger.run_id,
        [
            ledger.move_step("encode", StepState.SKIPPED),
            ledger.move_run(RunState.FAILED, error="encode skipped", finished_at=9.0),
        ],
    )
    return ledger


def test_after_a_flush_rebuild_restores_the_snapshot_and_the_state_events_with_the_same_ids(
    publisher: LivePublisher, reader: LiveReader, redis_client: Redis
) -> None:
    ledger = _finished_run(publisher)
    before = reader.snapshot(ledger.run_id)
    state_events_before = [e for e in reader.events(ledger.run_id) if e.is_state]

    redis_client.flushdb()  # what FLUSHALL does to our keys, without wiping other databases
    missing = reader.snapshot(ledger.run_id)
    result = publisher.rebuild(ledger.view())
    after = reader.snapshot(ledger.run_id)
    state_events_after = reader.events(ledger.run_id)

    assert missing is None
    assert result == WriteResult.WRITTEN
    assert before is not None and after is not None
    assert (after.run, after.steps, after.seq) == (before.run, before.steps, before.seq)
    assert [(e.id, e.data) for e in state_events_after] == [
        (e.id, e.data) for e in state_events_before
    ]
    assert len(state_events_after) == len(ledger.events)


def test_a_rebuild_from_an_older_view_never_undoes_a_newer_published_transition(
    publisher: LivePublisher, reader: LiveReader
) -> None:
    ledger = Ledger.new("run-1", ["decode"])
    publisher.rebuild(ledger.view())
    stale_view = ledger.view()
    queued = ledger.move_step("decode", StepState.QUEUED)
    publisher.write_transition(ledger.run_id, queued.event, step=queued.step)

    publisher.rebuild(stale_view)

    snapshot = reader.snapshot(ledger.run_id)
    assert snapshot is not None
    assert snapshot.steps["decode"].state == StepState.QUEUED
    assert [e.id for e in reader.events(ledger.run_id)] == ["1-0", "2-0"]
