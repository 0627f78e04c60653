"""Advancement: given a run's DAG and its steps' states, what should happen next.

This is the one place that decides readiness, skipping, fan-out, fan-in and the end of a run.
It is pure (no I/O, no clock of its own), so both executors apply the same decisions: the local
executor to records in memory, the Celery executor inside a database transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from remedia.flows import Dag, Input, Node

from .states import STEP_DONE, STEP_TERMINAL, RunState, StepState

S = StepState
StepKey = tuple[str, int | None]


@dataclass(frozen=True)
class StepView:
    """What the planner needs to know about one step run."""

    state: StepState
    output: Any = None
    not_before: float | None = None


@dataclass(frozen=True)
class Dispatch:
    """The step's inputs are ready: queue it (or take its output from the cache)."""

    key: StepKey


@dataclass(frozen=True)
class Expand:
    """A map node's list is known: create one branch per item."""

    node: str
    items: list[Any]


@dataclass(frozen=True)
class Skip:
    key: StepKey
    reason: str


@dataclass(frozen=True)
class Cancel:
    key: StepKey


@dataclass(frozen=True)
class Requeue:
    """A retry's delay has passed: send the step again."""

    key: StepKey


@dataclass(frozen=True)
class FinishMap:
    """Every branch of a map node ended: the node completes with their outputs, or fails."""

    node: str
    state: StepState
    output: Any = None
    reason: str | None = None


@dataclass(frozen=True)
class FinishRun:
    state: RunState
    reason: str | None = None


Action = Dispatch | Expand | Skip | Cancel | Requeue | FinishMap | FinishRun

BLOCKING = frozenset({S.FAILED, S.SKIPPED, S.CANCELLED})


class InputError(Exception):
    """A step's input cannot be resolved from its upstream outputs (a flow bug or bad data)."""


def resolve_input(
    source: Input, outputs: dict[str, Any], run_inputs: dict[str, Any], item: Any = None
) -> Any:
    """The encoded value an argument receives."""
    if source.kind == "const":
        return source.value
    if source.kind == "item":
        return item
    value = run_inputs[source.name or ""] if source.kind == "input" else outputs[source.node or ""]
    for part in source.path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            raise InputError(f"the output of '{source.node}' has no part {part!r}") from None
    return value


def resolve_inputs(
    node: Node, outputs: dict[str, Any], run_inputs: dict[str, Any], item: Any = None
) -> dict[str, Any]:
    return {
        name: resolve_input(source, outputs, run_inputs, item)
        for name, source in node.inputs.items()
    }


def plan(
    dag: Dag,
    steps: dict[StepKey, StepView],
    *,
    cancel_requested: bool,
    now: float,
    run_inputs: dict[str, Any],
) -> list[Action]:
    """The actions to take now. Apply them and call again until it returns no action."""
    actions: list[Action] = []
    outputs = {
        node: view.output
        for (node, index), view in steps.items()
        if index is None and view.state in STEP_DONE
    }
    for node in dag.nodes:
        view = steps[(node.key, None)]
        if view.state == S.PENDING:
            actions.extend(_pending(node, steps, outputs, run_inputs, cancel_requested))
        elif node.is_map and view.state == S.RUNNING:
            actions.extend(_map_branches(node, steps, cancel_requested, now))
        elif view.state == S.RETRYING and not cancel_requested:
            if view.not_before is None or view.not_before <= now:
                actions.append(Requeue((node.key, None)))
        elif view.state == S.RETRYING:
            actions.append(Cancel((node.key, None)))
    if not actions:
        finish = _finish_run(dag, steps, cancel_requested)
        if finish is not None:
            actions.append(finish)
    return actions


def _pending(
    node: Node,
    steps: dict[StepKey, StepView],
    outputs: dict[str, Any],
    run_inputs: dict[str, Any],
    cancel_requested: bool,
) -> list[Action]:
    key = (node.key, None)
    if cancel_requested:
        return [Cancel(key)]
    upstream = {up: steps[(up, None)].state for up in node.upstream}
    blocked = [f"'{up}' {state.lower()}" for up, state in upstream.items() if state in BLOCKING]
    if blocked:
        return [Skip(key, f"upstream step {', '.join(blocked)}")]
    if not all(state in STEP_DONE for state in upstream.values()):
        return []
    if not node.is_map:
        return [Dispatch(key)]
    assert node.map_over is not None
    items = resolve_input(node.map_over, outputs, run_inputs)
    if not isinstance(items, list):
        return [
            FinishMap(
                node.key,
                S.FAILED,
                reason=f"map step '{node.label}' needs a list to fan out over, "
                f"got {type(items).__name__}",
            )
        ]
    return [Expand(node.key, items)]


def _map_branches(
    node: Node, steps: dict[StepKey, StepView], cancel_requested: bool, now: float
) -> list[Action]:
    branches = sorted(
        (index, view)
        for (key, index), view in steps.items()
        if key == node.key and index is not None
    )
    actions: list[Action] = []
    for index, view in branches:
        if view.state == S.PENDING:
            actions.append(
                Cancel((node.key, index)) if cancel_requested else Dispatch((node.key, index))
            )
        elif view.state == S.RETRYING:
            if cancel_requested:
                actions.append(Cancel((node.key, index)))
            elif view.not_before is None or view.not_before <= now:
                actions.append(Requeue((node.key, index)))
    if actions or not all(view.state in STEP_TERMINAL for _, view in branches):
        return actions
    states = [view.state for _, view in branches]
    if all(state in STEP_DONE for state in states):
        return [FinishMap(node.key, S.COMPLETED, output=[view.output for _, view in branches])]
    failed = [index for index, view in branches if view.state not in STEP_DONE]
    if all(state in STEP_DONE or state == S.CANCELLED for state in states) and cancel_requested:
        return [FinishMap(node.key, S.CANCELLED, reason="the run was cancelled")]
    shown = ", ".join(str(i) for i in failed[:5]) + ("…" if len(failed) > 5 else "")
    return [
        FinishMap(
            node.key,
            S.FAILED,
            reason=f"{len(failed)} of {len(branches)} branches did not complete ({shown})",
        )
    ]


def _finish_run(
    dag: Dag, steps: dict[StepKey, StepView], cancel_requested: bool
) -> FinishRun | None:
    states = [view.state for view in steps.values()]
    if not all(state in STEP_TERMINAL for state in states):
        return None
    if all(state in STEP_DONE for state in states):
        return FinishRun(RunState.COMPLETED)
    if cancel_requested:
        return FinishRun(RunState.CANCELLED, "cancelled on request")
    failed = [
        key for (key, index), view in steps.items() if index is None and view.state == S.FAILED
    ]
    return FinishRun(RunState.FAILED, f"step {', '.join(repr(k) for k in failed)} failed")


def run_outputs(dag: Dag, steps: dict[StepKey, StepView], run_inputs: dict[str, Any]) -> dict:
    """The flow's declared outputs, once every step is done."""
    outputs = {key: view.output for (key, index), view in steps.items() if index is None}
    return {
        name: resolve_input(source, outputs, run_inputs) for name, source in dag.outputs.items()
    }
