"""A run as the API shows it: the live snapshot from Redis, the database behind it.

State and progress come from the snapshot, with the stream id it was read at, so a client that
shows this and then follows the event stream from ``last_event_id`` misses nothing. When Redis
has no snapshot (flushed, expired, down), the database answers and the snapshot is rebuilt.
Parameters, the DAG, inputs and outputs are the database's; they never change once written,
so a process reads them once (``fixed_runs``) and a read of a run it knows is one Redis round
trip. A run is answered as a plain dict in exactly the shape ``RunOut`` serialises to (the
same keys in the same order, the same types): building the model tree on every read cost more
than everything else a read does.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from redis import RedisError

from remedia.executor.live import RunSnapshot, SnapshotStep
from remedia.executor.states import RUN_TERMINAL, STEP_DONE, STEP_TERMINAL, RunState, StepState
from remedia.executor.store.models import FlowRun, StepRun

from .artifact_refs import artifact_body, decoded_artifacts
from .fixed_runs import Body, FixedRun, artifact_bodies, fixed_run, submitted_asset_id
from .problems import NotFound
from .run_schemas import RunSummary
from .runtime import runtime

logger = logging.getLogger("remedia.api")


def _when(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def run_progress(state: RunState, steps: Iterable[SnapshotStep]) -> float:
    """The share of a run's work done, 0 to 1, as the list and a run's page both show it.

    A finished run is 1. Otherwise each step run that is not a branch of a map node counts 1
    once it has ended and its live fraction while it runs: branches are left out because how
    many there will be is unknown until their map node has run.
    """
    if state in RUN_TERMINAL:
        return 1.0
    own = [step for step in steps if step.map_index is None]
    if not own:
        return 0.0
    done = 0.0
    for step in own:
        if step.state in STEP_TERMINAL:
            done += 1.0
        elif step.state == StepState.RUNNING and step.fraction is not None:
            done += min(max(float(step.fraction), 0.0), 1.0)
    return done / len(own)


def _read_snapshots(run_ids: list[str]) -> list[RunSnapshot | None]:
    try:
        return runtime().live.snapshots(run_ids)
    except RedisError as exc:
        logger.warning(
            "live snapshots of %d runs unavailable (%s); using the DB", len(run_ids), exc
        )
        return [None] * len(run_ids)


def _progress_of_moving(runs: Sequence[FlowRun]) -> dict[str, float]:
    """Progress of the runs that have not finished: one Redis round trip for all of them, and
    one query for those whose snapshot Redis lacks (finished runs need neither: they are 1)."""
    moving = [run for run in runs if RunState(run.state) not in RUN_TERMINAL]
    if not moving:
        return {}
    progress: dict[str, float] = {}
    missing: dict[str, RunState] = {}
    for run, snapshot in zip(moving, _read_snapshots([r.id for r in moving]), strict=True):
        if snapshot is None:
            missing[run.id] = RunState(run.state)
        else:
            progress[run.id] = run_progress(snapshot.run.state, snapshot.steps.values())
    if missing:
        steps: dict[str, list[SnapshotStep]] = {run_id: [] for run_id in missing}
        rows = StepRun.objects.filter(run_id__in=list(missing), map_index__isnull=True)
        for row in rows:
            steps[row.run_id].append(_from_row(row))
        for run_id, state in missing.items():
            progress[run_id] = run_progress(state, steps[run_id])
    return progress


def run_summaries(runs: Sequence[FlowRun]) -> list[RunSummary]:
    """The list's view of a page of runs; select_related("owner", "submission") saves two
    queries per run."""
    progress = _progress_of_moving(runs)
    return [
        RunSummary(
            id=run.id,
            flow=run.flow,
            version=run.version,
            state=RunState(run.state),
            owner=run.owner.get_username() if run.owner_id else None,
            asset_id=submitted_asset_id(run),
            error=run.error,
            cancel_requested=run.cancel_requested_at is not None,
            created_at=run.created_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            progress=progress.get(run.id, 1.0),
        )
        for run in runs
    ]


def _read_snapshot(run_id: str) -> RunSnapshot | None:
    try:
        return runtime().live.snapshot(run_id)
    except RedisError as exc:
        logger.warning(
            "live snapshot of run %s unavailable (%s); answering from the DB", run_id, exc
        )
        return None


def _rebuild(run_id: str) -> None:
    try:
        runtime().mirror.rebuild(run_id)
    except Exception as exc:  # the answer came from the database; a rebuild is a bonus
        logger.warning("rebuilding the live snapshot of run %s failed: %s", run_id, exc)


def _from_row(row: StepRun) -> SnapshotStep:
    state = StepState(row.state)
    fraction = 1.0 if state in STEP_DONE else (0.0 if state == StepState.RUNNING else None)
    return SnapshotStep(
        node=row.node,
        map_index=row.map_index,
        state=state,
        attempt=row.attempt,
        fraction=fraction,
        message=row.message,
        error=row.error,
        error_code=row.error_code,
        started_at=row.started_at.timestamp() if row.started_at else None,
        finished_at=row.finished_at.timestamp() if row.finished_at else None,
    )


def _step_body(run: FixedRun, step: SnapshotStep, outputs: list[Body]) -> Body:
    """One step as ``StepRunOut`` serialises it."""
    done = step.state in STEP_DONE
    fraction = 1.0 if done else step.fraction
    return {
        "label": step.label,
        "node": step.node,
        "step": run.step_of[step.node],
        "map_index": step.map_index,
        "state": step.state.value,
        "attempt": step.attempt,
        "fraction": None if fraction is None else float(fraction),
        "message": step.message,
        "error": step.error,
        "error_code": step.error_code,
        "started_at": _when(step.started_at),
        "finished_at": _when(step.finished_at),
        "outputs": outputs if done else [],
    }


def _in_dag_order(run: FixedRun, steps: list[SnapshotStep]) -> list[SnapshotStep]:
    order, last = run.order, len(run.order)
    return sorted(
        steps, key=lambda s: (order.get(s.node, last), s.map_index is not None, s.map_index or 0)
    )


def _run_body(
    run: FixedRun,
    *,
    state: RunState,
    error: str | None,
    cancel_requested: bool,
    started_at: dt.datetime | None,
    finished_at: dt.datetime | None,
    progress: float,
    steps: list[Body],
    outputs: dict[str, Body],
    last_event_id: str,
) -> Body:
    """The run as ``RunOut`` serialises it (its fields, in their order)."""
    return {
        "id": run.id,
        "flow": run.flow,
        "version": run.version,
        "state": state.value,
        "owner": run.owner,
        "asset_id": run.asset_id,
        "error": error,
        "cancel_requested": cancel_requested,
        "created_at": run.created_at,
        "started_at": started_at,
        "finished_at": finished_at,
        "progress": progress,
        "params": run.params,
        "dag": run.dag,
        "steps": steps,
        "inputs": run.inputs,
        "outputs": outputs,
        "last_event_id": last_event_id,
    }


def _from_snapshot(run: FixedRun, snapshot: RunSnapshot) -> Body:
    steps = _in_dag_order(run, list(snapshot.steps.values()))
    done = [(s.node, s.map_index, s.attempt, s.finished_at) for s in steps if s.state in STEP_DONE]
    outputs = run.step_outputs_of(done) if done else {}
    state = snapshot.run.state
    return _run_body(
        run,
        state=state,
        error=snapshot.run.error,
        cancel_requested=snapshot.run.cancel_requested,
        started_at=_when(snapshot.run.started_at) or run.started_at,
        finished_at=_when(snapshot.run.finished_at),
        progress=run_progress(state, steps),
        steps=[_step_body(run, s, outputs.get(s.label, [])) for s in steps],
        outputs=run.completed_outputs() if state == RunState.COMPLETED else {},
        last_event_id=snapshot.last_event_id,
    )


def _from_database(run: FixedRun) -> Body:
    row = FlowRun.objects.filter(id=run.id).first()
    if row is None:
        raise NotFound(f"no run with id '{run.id}'; list yours with GET /api/v1/runs")
    rows = list(StepRun.objects.filter(run_id=run.id))
    _rebuild(run.id)
    outputs = {
        r.label: [artifact_body(run.id, a) for a in decoded_artifacts(r.output)] for r in rows
    }
    state = RunState(row.state)
    steps = _in_dag_order(run, [_from_row(r) for r in rows])
    return _run_body(
        run,
        state=state,
        error=row.error,
        cancel_requested=row.cancel_requested_at is not None,
        started_at=row.started_at,
        finished_at=row.finished_at,
        progress=run_progress(state, steps),
        steps=[_step_body(run, s, outputs[s.label]) for s in steps],
        outputs=artifact_bodies(run.id, row.outputs) if state == RunState.COMPLETED else {},
        last_event_id=f"{row.event_seq}-0" if row.event_seq else "0",
    )


def run_out(run: FlowRun | FixedRun) -> dict[str, Any]:
    """The whole run, as ``RunOut`` serialises it: one Redis round trip once the process knows
    the run; the database answers for what the snapshot lacks."""
    fixed = run if isinstance(run, FixedRun) else fixed_run(run.id, runtime().catalogue)
    if fixed is None:
        raise NotFound(f"no run with id '{run.id}'; list yours with GET /api/v1/runs")
    snapshot = _read_snapshot(fixed.id)
    if snapshot is None:
        return _from_database(fixed)
    return _from_snapshot(fixed, snapshot)
