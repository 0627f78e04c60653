"""A run as the API shows it: the live snapshot from Redis, the database behind it.

State and progress come from the snapshot, with the stream id it was read at, so a client that
shows this and then follows the event stream from ``last_event_id`` misses nothing. When Redis
has no snapshot (flushed, expired, down), the database answers and the snapshot is rebuilt.
Parameters, the DAG and outputs always come from the database, which owns them.
"""

from __future__ import annotations

import datetime as dt
import logging

from redis import RedisError

from remedia.executor.live import RunSnapshot, SnapshotStep
from remedia.executor.states import STEP_DONE, RunState, StepState
from remedia.executor.store.models import FlowRun, StepRun
from remedia.flows import Dag

from .artifact_refs import artifact_out, decoded_artifacts, named_artifacts
from .dags import dag_out
from .models import Submission
from .run_schemas import RunOut, RunSummary, StepRunOut
from .runtime import runtime

logger = logging.getLogger("remedia.api")


def _when(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _asset_id(run: FlowRun) -> str | None:
    try:
        return run.submission.asset_id
    except Submission.DoesNotExist:
        return None


def run_summary(run: FlowRun) -> RunSummary:
    """The list's view of a run; select_related("owner", "submission") saves two queries."""
    return RunSummary(
        id=run.id,
        flow=run.flow,
        version=run.version,
        state=RunState(run.state),
        owner=run.owner.get_username() if run.owner_id else None,
        asset_id=_asset_id(run),
        error=run.error,
        cancel_requested=run.cancel_requested_at is not None,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )


def _read_snapshot(run_id: str) -> RunSnapshot | None:
    live = runtime()
    try:
        return live.live.snapshot(run_id)
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


def _step_out(run_id: str, dag: Dag, step: SnapshotStep, row: StepRun | None) -> StepRunOut:
    done = step.state in STEP_DONE
    outputs = decoded_artifacts(row.output) if row is not None and done else []
    return StepRunOut(
        label=step.label,
        node=step.node,
        step=dag.node(step.node).step,
        map_index=step.map_index,
        state=step.state,
        attempt=step.attempt,
        fraction=1.0 if done else step.fraction,
        message=step.message,
        error=step.error,
        error_code=step.error_code,
        started_at=_when(step.started_at),
        finished_at=_when(step.finished_at),
        outputs=[artifact_out(run_id, a) for a in outputs],
    )


def _order(dag: Dag) -> dict[str, int]:
    return {node.key: index for index, node in enumerate(dag.nodes)}


def run_out(run: FlowRun) -> RunOut:
    """The whole run; one Redis round trip and two queries."""
    snapshot = _read_snapshot(run.id)
    rows = {(r.node, r.map_index): r for r in StepRun.objects.filter(run_id=run.id)}
    run = FlowRun.objects.select_related("owner", "submission").get(id=run.id)
    summary = run_summary(run)
    if snapshot is None:
        steps = [_from_row(r) for r in rows.values()]
        last_event_id = f"{run.event_seq}-0" if run.event_seq else "0"
        _rebuild(run.id)
    else:
        steps = list(snapshot.steps.values())
        last_event_id = snapshot.last_event_id
        summary = summary.model_copy(
            update={
                "state": snapshot.run.state,
                "error": snapshot.run.error,
                "cancel_requested": snapshot.run.cancel_requested,
                "started_at": _when(snapshot.run.started_at) or summary.started_at,
                "finished_at": _when(snapshot.run.finished_at),
            }
        )
    dag = Dag.from_json(run.dag)
    order = _order(dag)
    steps.sort(
        key=lambda s: (order.get(s.node, len(order)), s.map_index is not None, s.map_index or 0)
    )
    done = summary.state == RunState.COMPLETED
    return RunOut(
        **summary.model_dump(),
        params=run.params,
        dag=dag_out(dag, runtime().catalogue),
        steps=[_step_out(run.id, dag, s, rows.get((s.node, s.map_index))) for s in steps],
        inputs={k: artifact_out(run.id, a) for k, a in named_artifacts(run.inputs).items()},
        outputs={k: artifact_out(run.id, a) for k, a in named_artifacts(run.outputs).items()}
        if done
        else {},
        last_event_id=last_event_id,
    )
