"""Loading a run's rows into a RunRecord and writing its changes back with compare-and-set.

A transaction loads the run (its row locked), lets ``Advancer`` change the record in memory,
then ``save_run`` writes every changed row with ``UPDATE ... WHERE state = <state loaded>``:
if another transaction moved a row meanwhile, nothing is written and ``ConcurrentUpdate``
rolls the whole transaction back. The transitions' events become numbered FlowRunEvent rows
in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from remedia.executor.events import RunEvent
from remedia.executor.plan import StepKey
from remedia.executor.records import RunRecord, StepRecord
from remedia.executor.states import RunState, StepState
from remedia.flows import Dag

from .models import FlowRun, FlowRunEvent, StepAttempt, StepRun
from .run_cache import Committed, committed_steps, dag_cache
from .run_reads import read_run, read_run_and_steps, read_steps
from .writes import Writes

S = StepState


def to_datetime(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def to_seconds(moment: dt.datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


@dataclass
class LoadedRun:
    """A run's rows as loaded, and the RunRecord a transaction changes."""

    row: FlowRun
    record: RunRecord
    step_rows: dict[StepKey, StepRun]
    loaded_states: dict[StepKey, str]
    loaded_run_state: str
    events: list[RunEvent] = field(default_factory=list)
    to_publish: list[StepKey] = field(default_factory=list)
    # Writes to other tables (attempts) that ``save_run`` sends with the run's own.
    writes: Writes = field(default_factory=Writes)
    # Attempts opened in this transaction, inserted by ``save_run`` as they then stand (one
    # that also ended in it is inserted ended, instead of inserted and then updated).
    opened_attempts: list[StepAttempt] = field(default_factory=list)

    def listen(self, event: RunEvent) -> None:
        self.events.append(event)

    def step_row(self, key: StepKey) -> StepRun:
        return self.step_rows[key]


def _step_record(row: StepRun) -> StepRecord:
    return StepRecord(
        node=row.node,
        map_index=row.map_index,
        state=StepState(row.state),
        attempt=row.attempt,
        first_attempt=row.first_attempt,
        output=row.output,
        error=row.error,
        error_code=row.error_code,
        not_before=to_seconds(row.not_before),
        message=row.message,
        started_at=to_seconds(row.started_at),
        finished_at=to_seconds(row.finished_at),
    )


def load_run(run_id: str, *, lock: bool = True) -> LoadedRun:
    """The run and all its step rows; ``lock`` takes the run row's lock (inside a transaction).

    On PostgreSQL both are read in one round trip. Elsewhere the run row is read first, and
    the step rows come from ``committed_steps`` when this thread committed the run's latest
    change itself (see ``run_cache``), else from the database.
    """
    dag = dag_cache.get(run_id)
    kept: Committed | None = None
    if connection.vendor == "postgresql":
        row, steps = read_run_and_steps(run_id, lock=lock, with_dag=dag is None)
    else:
        row = read_run(run_id, lock=lock, with_dag=dag is None)
        kept = committed_steps.take(run_id, row.event_seq) if lock else None
        steps = [] if kept is not None else read_steps(run_id)
    if dag is None:
        dag = Dag.from_json(row.dag)
        dag_cache.put(run_id, dag)
    return _loaded(row, dag, kept, steps)


#: Locks the run row, in the same round trip as a transaction's writes, if it still is as
#: kept; if not, it divides by zero, which stops the statements after it (``Writes.guard``).
LOCK_IF_UNCHANGED = (
    "SELECT 1 / count(*) FROM (SELECT 1 FROM {table} WHERE id = %s AND event_seq = %s"
    " AND cancel_requested_at IS {cancel} NULL FOR UPDATE) AS unchanged"
)


def load_kept_run(run_id: str) -> LoadedRun | None:
    """The run as this thread last committed or read it, without a query; None if it has
    nothing kept. The transaction's writes then start by locking the run row on condition
    that its ``event_seq`` (which every change of a step or of the run's state moves) and its
    cancel request are as kept: otherwise ``Writes.send`` raises ConcurrentUpdate, and the
    caller loads the run again under a lock. So the lock costs no round trip of its own."""
    dag = dag_cache.get(run_id)
    kept = committed_steps.take_unchecked(run_id)
    if kept is None or dag is None:
        return None
    loaded = _loaded(kept.row, dag, kept, [])
    cancel = "NOT" if kept.row.cancel_requested_at is not None else ""
    statement = LOCK_IF_UNCHANGED.format(table=FlowRun._meta.db_table, cancel=cancel)
    loaded.writes.guard(statement, (run_id, kept.event_seq), f"run {run_id} moved meanwhile")
    return loaded


def _loaded(row: FlowRun, dag: Dag, kept: Committed | None, steps: list[StepRun]) -> LoadedRun:
    record = RunRecord(
        run_id=row.id,
        dag=dag,
        inputs=row.inputs,
        state=RunState(row.state),
        cancel_requested=row.cancel_requested_at is not None,
        outputs=row.outputs,
        error=row.error,
        created_at=row.created_at.timestamp(),
        finished_at=to_seconds(row.finished_at),
    )
    if kept is not None:
        step_rows = kept.step_rows
        record.steps = kept.steps
    else:
        step_rows = {}
        for step in steps:
            key = (step.node, step.map_index)
            step_rows[key] = step
            record.steps[key] = _step_record(step)
    return LoadedRun(
        row=row,
        record=record,
        step_rows=step_rows,
        loaded_states={key: step.state for key, step in step_rows.items()},
        loaded_run_state=row.state,
    )


def remember(loaded: LoadedRun) -> None:
    """Keep a run's step rows as just committed, for this thread's next transaction on it."""
    committed_steps.put(
        loaded.record.run_id,
        Committed(loaded.step_rows, loaded.record.steps, loaded.row),
    )


QueueOf = Callable[[StepRecord], str]


def _step_fields(step: StepRecord, now: dt.datetime, extra: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "state": step.state.value,
        "attempt": step.attempt,
        "first_attempt": step.first_attempt,
        "output": step.output,
        "error": step.error,
        "error_code": step.error_code,
        "message": step.message,
        "not_before": to_datetime(step.not_before),
        "started_at": to_datetime(step.started_at),
        "finished_at": to_datetime(step.finished_at),
    }
    if step.state == S.QUEUED:
        fields.update(queued_at=now, published_at=None)
    if step.state == S.RUNNING:
        fields["heartbeat_at"] = now
    fields.update(extra)
    return fields


def save_run(
    loaded: LoadedRun,
    *,
    queue_of: QueueOf,
    step_extra: dict[StepKey, dict[str, Any]] | None = None,
) -> list[FlowRunEvent]:
    """Write the record's changes and its events; returns the event rows, numbered."""
    record, now = loaded.record, timezone.now()
    writes = loaded.writes
    extra = step_extra or {}
    dirty = {(e.node, e.map_index) for e in loaded.events if e.kind == "step"} | set(extra)
    for key in [k for k in loaded.step_rows if k not in record.steps]:
        StepRun.objects.filter(id=loaded.step_rows.pop(key).id).delete()
    new_rows = []
    for key, step in record.steps.items():
        if key not in loaded.step_rows:
            fields = _step_fields(step, now, extra.get(key, {}))
            new_rows.append(
                StepRun(
                    run_id=record.run_id,
                    node=step.node,
                    map_index=step.map_index,
                    queue=queue_of(step),
                    **fields,
                )
            )
        elif key in dirty:
            fields = _step_fields(step, now, extra.get(key, {}))
            if step.state == S.QUEUED:
                fields["queue"] = queue_of(step)
            row = loaded.step_rows[key]
            writes.update(
                StepRun,
                {"id": row.id, "state": loaded.loaded_states[key]},
                fields,
                conflict=f"step {step.label} of run {record.run_id} moved meanwhile",
            )
            for name, value in fields.items():
                setattr(row, name, value)
    # New rows need their ids back at once; everything else goes in one round trip after.
    for row in StepRun.objects.bulk_create(new_rows):
        loaded.step_rows[(row.node, row.map_index)] = row
    if new_rows and connection.vendor != "postgresql":
        _reload_ids(loaded, new_rows)
    writes.insert(loaded.opened_attempts)
    loaded.opened_attempts = []
    events = _save_run_row(loaded, now, writes)
    writes.send()
    return events


def _reload_ids(loaded: LoadedRun, rows: list[StepRun]) -> None:
    """Backends without RETURNING on bulk inserts: read the new rows' ids back."""
    keys = {(r.node, r.map_index) for r in rows}
    for row in StepRun.objects.filter(run_id=loaded.record.run_id):
        if (row.node, row.map_index) in keys:
            loaded.step_rows[(row.node, row.map_index)] = row


def _run_changes(loaded: LoadedRun, now: dt.datetime) -> tuple[dict[str, Any], list[FlowRunEvent]]:
    """The run row's changed fields and the transaction's numbered event rows."""
    record, row = loaded.record, loaded.row
    fields: dict[str, Any] = {}
    if record.state.value != loaded.loaded_run_state:
        fields["state"] = record.state.value
        if record.state == RunState.RUNNING and row.started_at is None:
            fields["started_at"] = now
        fields["finished_at"] = to_datetime(record.finished_at)
        fields["error"] = record.error
        fields["outputs"] = record.outputs
    cancel_at = row.cancel_requested_at or now if record.cancel_requested else None
    if cancel_at != row.cancel_requested_at:
        fields["cancel_requested_at"] = cancel_at
    events = [
        FlowRunEvent(
            run_id=record.run_id,
            seq=row.event_seq + number,
            kind=event.kind,
            state=event.state or "",
            node=event.node,
            map_index=event.map_index,
            attempt=event.attempt,
            message=event.message,
            at=to_datetime(event.at) or now,
        )
        for number, event in enumerate(
            (e for e in loaded.events if e.kind in ("run", "step")), start=1
        )
    ]
    if events:
        fields["event_seq"] = row.event_seq + len(events)
    return fields, events


def _mark_saved(loaded: LoadedRun) -> None:
    """What is in memory is now what the transaction wrote."""
    loaded.loaded_run_state = loaded.row.state
    loaded.loaded_states = {key: step.state for key, step in loaded.step_rows.items()}
    loaded.events = []


def _save_run_row(loaded: LoadedRun, now: dt.datetime, writes: Writes) -> list[FlowRunEvent]:
    record, row = loaded.record, loaded.row
    fields, events = _run_changes(loaded, now)
    if fields:
        writes.update(
            FlowRun,
            {"id": row.id, "state": loaded.loaded_run_state},
            fields,
            conflict=f"run {record.run_id} moved meanwhile",
        )
        for name, value in fields.items():
            setattr(row, name, value)
    writes.insert(events)
    _mark_saved(loaded)
    return events


def insert_new_runs(
    runs: list[LoadedRun],
    writes: Writes,
    *,
    queue_of: Callable[[LoadedRun], QueueOf],
    step_extra: Callable[[LoadedRun], dict[StepKey, dict[str, Any]]],
) -> list[list[FlowRunEvent]]:
    """Insert runs planned in memory (their rows unsaved) in two round trips however many
    there are: the run rows with their events (after ``writes``' own statements), then the
    step rows, whose ids come back. Returns each run's event rows, numbered."""
    now = timezone.now()
    all_events = []
    for loaded in runs:
        fields, events = _run_changes(loaded, now)
        for name, value in fields.items():
            setattr(loaded.row, name, value)
        all_events.append(events)
    writes.insert([loaded.row for loaded in runs])
    writes.insert([event for events in all_events for event in events])
    writes.send()
    new_rows = [
        StepRun(
            run_id=loaded.record.run_id,
            node=step.node,
            map_index=step.map_index,
            queue=queue_of(loaded)(step),
            **_step_fields(step, now, step_extra(loaded).get(key, {})),
        )
        for loaded in runs
        for key, step in loaded.record.steps.items()
    ]
    created = StepRun.objects.bulk_create(new_rows)
    if connection.vendor != "postgresql":
        ids = [loaded.record.run_id for loaded in runs]
        created = list(StepRun.objects.filter(run_id__in=ids))
    by_run = {loaded.record.run_id: loaded for loaded in runs}
    for row in created:
        by_run[row.run_id].step_rows[(row.node, row.map_index)] = row
    for loaded in runs:
        _mark_saved(loaded)
    return all_events
