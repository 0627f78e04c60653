"""Ledger: the database's side of a run, in memory, as the executor would hand it over.

It plays the role of the FlowRun, StepRun and event rows: every change gets the next ``seq``,
and ``view()`` is what a rebuild receives. Tests publish what it returns, as the executor will
after each commit.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import Any

from remedia.executor.live import (
    RunView,
    SnapshotRun,
    SnapshotStep,
    StateEvent,
    Transition,
    step_label,
)
from remedia.executor.states import RunState, StepState

_clock = itertools.count(1_700_000_000)


@dataclass
class Ledger:
    run: SnapshotRun
    steps: dict[str, SnapshotStep] = field(default_factory=dict)
    events: list[StateEvent] = field(default_factory=list)

    @classmethod
    def new(cls, run_id: str, nodes: list[str]) -> Ledger:
        ledger = cls(run=SnapshotRun(run_id=run_id, state=RunState.PENDING, created_at=0.0))
        for node in nodes:
            ledger.steps[node] = SnapshotStep(node=node, state=StepState.PENDING)
        ledger._event("run", RunState.PENDING.value)
        return ledger

    @property
    def run_id(self) -> str:
        return self.run.run_id

    def _event(self, kind: Any, state: str, step: SnapshotStep | None = None) -> StateEvent:
        event = StateEvent(
            seq=len(self.events) + 1,
            kind=kind,
            state=state,
            node=None if step is None else step.node,
            map_index=None if step is None else step.map_index,
            attempt=None if step is None else step.attempt,
            at=float(next(_clock)),
        )
        self.events.append(event)
        return event

    def move_run(self, state: RunState, **changes: Any) -> Transition:
        self.run = replace(self.run, state=state, **changes)
        return Transition(self._event("run", state.value), run=self.run)

    def move_step(
        self, node: str, state: StepState, map_index: int | None = None, **changes: Any
    ) -> Transition:
        label = step_label(node, map_index)
        current = self.steps.get(label) or SnapshotStep(node=node, map_index=map_index, state=state)
        if state == StepState.RUNNING:
            changes.setdefault("attempt", current.attempt + 1)
            changes.setdefault("started_at", float(next(_clock)))
            changes.setdefault("fraction", 0.0)
        if state in (StepState.COMPLETED, StepState.CACHED):
            changes.setdefault("fraction", 1.0)
            changes.setdefault("finished_at", float(next(_clock)))
        step = replace(current, state=state, **changes)
        self.steps[label] = step
        return Transition(self._event("step", state.value, step), step=step)

    def view(self) -> RunView:
        return RunView(run=self.run, steps=list(self.steps.values()), events=list(self.events))
