"""In-memory run and step records, and their one transition function each.

The local executor keeps a run here; the Celery executor keeps the same fields in the
database. Both go through ``check_*_transition`` from ``states``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from remedia.flows import Dag

from .events import RunEvent
from .plan import StepKey, StepView
from .states import (
    RUN_TERMINAL,
    STEP_TERMINAL,
    RunState,
    StepState,
    check_run_transition,
    check_step_transition,
)


@dataclass
class StepRecord:
    node: str
    map_index: int | None = None
    state: StepState = StepState.PENDING
    attempt: int = 0
    # The attempt that this try of the run started at: retries count from here.
    first_attempt: int = 1
    output: Any = None
    error: str | None = None
    error_code: str | None = None
    not_before: float | None = None
    fraction: float | None = None
    message: str | None = None
    started_at: float | None = None
    finished_at: float | None = None

    @property
    def key(self) -> StepKey:
        return (self.node, self.map_index)

    @property
    def label(self) -> str:
        return self.node if self.map_index is None else f"{self.node}[{self.map_index}]"

    def view(self) -> StepView:
        return StepView(state=self.state, output=self.output, not_before=self.not_before)


@dataclass
class RunRecord:
    run_id: str
    dag: Dag
    inputs: dict[str, Any]
    state: RunState = RunState.PENDING
    cancel_requested: bool = False
    steps: dict[StepKey, StepRecord] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None

    @classmethod
    def new(cls, run_id: str, dag: Dag, inputs: dict[str, Any]) -> RunRecord:
        record = cls(run_id=run_id, dag=dag, inputs=inputs)
        for node in dag.nodes:
            record.steps[(node.key, None)] = StepRecord(node=node.key)
        return record

    def views(self) -> dict[StepKey, StepView]:
        return {key: step.view() for key, step in self.steps.items()}


Listener = Callable[[RunEvent], None]


def transition_step(
    run: RunRecord,
    step: StepRecord,
    target: StepState,
    listener: Listener | None = None,
    **changes: Any,
) -> None:
    """Move one step to ``target`` (or raise InvalidTransition) and tell the listener."""
    check_step_transition(step.state, target, f"step {step.label} of run {run.run_id}")
    step.state = target
    for name, value in changes.items():
        setattr(step, name, value)
    now = time.time()
    if target == StepState.RUNNING:
        step.started_at = now
        step.fraction, step.message = 0.0, None
    if target in STEP_TERMINAL:
        step.finished_at = now
        if target in (StepState.COMPLETED, StepState.CACHED):
            step.fraction = 1.0
    if listener is not None:
        listener(
            RunEvent(
                run_id=run.run_id,
                kind="step",
                state=target.value,
                node=step.node,
                map_index=step.map_index,
                attempt=step.attempt,
                message=step.error if target == StepState.FAILED else step.message,
            )
        )


def transition_run(
    run: RunRecord, target: RunState, listener: Listener | None = None, **changes: Any
) -> None:
    """Move the run to ``target`` (or raise InvalidTransition) and tell the listener."""
    check_run_transition(run.state, target, f"run {run.run_id}")
    run.state = target
    for name, value in changes.items():
        setattr(run, name, value)
    if target in RUN_TERMINAL:
        run.finished_at = time.time()
    if listener is not None:
        listener(RunEvent(run_id=run.run_id, kind="run", state=target.value, message=run.error))
