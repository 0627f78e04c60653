"""LiveMirror: the run store's committed changes, copied into the live store (Redis).

After each commit the events of that transaction go to Redis in one round trip, each with the
run's and the changed step's fields as they now are. When Redis lost the run (a flush, an
expiry, a restart), the live store says so and the mirror rebuilds it from the database.
"""

from __future__ import annotations

import logging

from remedia.executor.live import (
    LivePublisher,
    RunView,
    SnapshotRun,
    SnapshotStep,
    StateEvent,
    Transition,
    WriteResult,
)
from remedia.executor.records import RunRecord, StepRecord
from remedia.executor.states import RunState, StepState

from .models import FlowRun, FlowRunEvent, StepRun
from .persist import LoadedRun, to_seconds

logger = logging.getLogger("remedia.executor.mirror")


def snapshot_run(row: FlowRun) -> SnapshotRun:
    return SnapshotRun(
        run_id=row.id,
        state=RunState(row.state),
        error=row.error,
        cancel_requested=row.cancel_requested_at is not None,
        created_at=to_seconds(row.created_at),
        started_at=to_seconds(row.started_at),
        finished_at=to_seconds(row.finished_at),
    )


def snapshot_step(row: StepRun) -> SnapshotStep:
    return SnapshotStep(
        node=row.node,
        map_index=row.map_index,
        state=StepState(row.state),
        attempt=row.attempt,
        message=row.message,
        error=row.error,
        error_code=row.error_code,
        started_at=to_seconds(row.started_at),
        finished_at=to_seconds(row.finished_at),
    )


def _record_step(step: StepRecord) -> SnapshotStep:
    return SnapshotStep(
        node=step.node,
        map_index=step.map_index,
        state=step.state,
        attempt=step.attempt,
        message=step.message,
        error=step.error,
        error_code=step.error_code,
        started_at=step.started_at,
        finished_at=step.finished_at,
    )


def state_event(row: FlowRunEvent) -> StateEvent:
    return StateEvent(
        seq=row.seq,
        kind="run" if row.kind == "run" else "step",
        state=row.state,
        node=row.node,
        map_index=row.map_index,
        attempt=row.attempt,
        message=row.message,
        at=to_seconds(row.at),
    )


def run_view(run_id: str) -> RunView:
    """The database's whole view of a run, as the live store rebuilds from it."""
    row = FlowRun.objects.get(id=run_id)
    steps = [snapshot_step(s) for s in StepRun.objects.filter(run_id=run_id).order_by("id")]
    events = [state_event(e) for e in FlowRunEvent.objects.filter(run_id=run_id).order_by("seq")]
    return RunView(run=snapshot_run(row), steps=steps, events=events)


class LiveMirror:
    """Implements the run store's Mirror over a LivePublisher."""

    def __init__(self, publisher: LivePublisher) -> None:
        self.publisher = publisher

    def publish(self, loaded: LoadedRun, events: list[FlowRunEvent]) -> None:
        if not events:
            return
        record: RunRecord = loaded.record
        run = snapshot_run(loaded.row)
        if events[0].seq == 1:
            # The run's first commit: Redis has nothing of it yet, and everything the database
            # holds is in hand, so the snapshot is built from memory in one round trip.
            steps = sorted(loaded.step_rows.values(), key=lambda row: row.id)
            self.publisher.rebuild(
                RunView(
                    run=run,
                    steps=[snapshot_step(row) for row in steps],
                    events=[state_event(event) for event in events],
                )
            )
            return
        transitions = []
        for event in events:
            step = None
            if event.kind == "step" and event.node is not None:
                found = record.steps.get((event.node, event.map_index))
                step = _record_step(found) if found is not None else None
            transitions.append(Transition(event=state_event(event), run=run, step=step))
        result = self.publisher.write_transitions(record.run_id, transitions)
        if result == WriteResult.NEEDS_REBUILD:
            self.rebuild(record.run_id)

    def rebuild(self, run_id: str) -> WriteResult:
        return self.publisher.rebuild(run_view(run_id))
