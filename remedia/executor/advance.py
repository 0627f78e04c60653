"""Applying the plan to a run: the one place that turns planner actions into transitions.

Both executors call these on a RunRecord: the local executor on the record it keeps in memory,
the Celery executor on a record loaded from the database inside a transaction (and then
persisted with a compare-and-set). So the two cannot disagree on what a cache hit, a map
expansion, a retry or the end of a run means.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from remedia.flows import Catalogue, Step

from .attempt import Outcome
from .cache import StepCache, cache_key
from .plan import (
    Action,
    Cancel,
    Dispatch,
    Expand,
    FinishMap,
    FinishRun,
    InputError,
    Requeue,
    Skip,
    StepKey,
    plan,
    resolve_input,
    resolve_inputs,
    run_outputs,
)
from .records import Listener, RunRecord, StepRecord, transition_run, transition_step
from .states import RUN_TERMINAL, RunState, StepState

S = StepState
AGAIN = frozenset({S.FAILED, S.CANCELLED, S.SKIPPED})  # what a retried run sends round again


@dataclass
class Advancer:
    """What advancing needs besides the record: step definitions, the cache, a listener."""

    catalogue: Catalogue
    cache: StepCache | None = None
    listener: Listener | None = None
    clock: Callable[[], float] = time.time

    def definition(self, run: RunRecord, step: StepRecord) -> Step:
        return self.catalogue.step(run.dag.node(step.node).step)

    def advance(self, run: RunRecord) -> list[StepKey]:
        """Apply the plan until it is empty; returns the steps newly QUEUED, in order."""
        queued: list[StepKey] = []
        while run.state not in RUN_TERMINAL:
            actions = plan(
                run.dag,
                run.views(),
                cancel_requested=run.cancel_requested,
                now=self.clock(),
                run_inputs=run.inputs,
            )
            if not actions:
                break
            for action in actions:
                queued.extend(self._apply(run, action))
        return queued

    def _apply(self, run: RunRecord, action: Action) -> list[StepKey]:
        listener = self.listener
        if isinstance(action, Dispatch):
            return self._dispatch(run, run.steps[action.key])
        if isinstance(action, Requeue):
            transition_step(run, run.steps[action.key], S.QUEUED, listener, not_before=None)
            return [action.key]
        if isinstance(action, Skip):
            transition_step(run, run.steps[action.key], S.SKIPPED, listener, error=action.reason)
        elif isinstance(action, Cancel):
            transition_step(run, run.steps[action.key], S.CANCELLED, listener)
        elif isinstance(action, Expand):
            self._expand(run, action)
        elif isinstance(action, FinishMap):
            step = run.steps[(action.node, None)]
            transition_step(
                run, step, action.state, listener, output=action.output, error=action.reason
            )
        elif isinstance(action, FinishRun):
            self._finish(run, action)
        return []

    def _dispatch(self, run: RunRecord, step: StepRecord) -> list[StepKey]:
        definition = self.definition(run, step)
        if self.cache is not None and definition.options.cache:
            try:
                hit = self.cache.get(cache_key(definition, step_inputs(run, step)))
            except InputError:
                hit = None
            if hit is not None:
                transition_step(run, step, S.CACHED, self.listener, output=hit)
                return []
        transition_step(run, step, S.QUEUED, self.listener)
        return [step.key]

    def _expand(self, run: RunRecord, action: Expand) -> None:
        parent = run.steps[(action.node, None)]
        for index in range(len(action.items)):
            # A retried run keeps the branches that completed before.
            run.steps.setdefault(
                (action.node, index), StepRecord(node=action.node, map_index=index)
            )
        transition_step(run, parent, S.QUEUED, self.listener)
        transition_step(
            run, parent, S.RUNNING, self.listener, message=f"{len(action.items)} branches"
        )

    def _finish(self, run: RunRecord, action: FinishRun) -> None:
        outputs: dict[str, Any] = {}
        if action.state == RunState.COMPLETED:
            outputs = run_outputs(run.dag, run.views(), run.inputs)
        transition_run(run, action.state, self.listener, error=action.reason, outputs=outputs)

    def start(self, run: RunRecord, step: StepRecord) -> None:
        """QUEUED -> RUNNING for a new attempt (and the run to RUNNING with its first step)."""
        if run.state == RunState.PENDING:
            transition_run(run, RunState.RUNNING, self.listener)
        transition_step(run, step, S.RUNNING, self.listener, attempt=step.attempt + 1)

    def settle(self, run: RunRecord, step: StepRecord, outcome: Outcome) -> float | None:
        """Record how an attempt ended; returns the retry delay when one is scheduled."""
        listener = self.listener
        definition = self.definition(run, step)
        if outcome.status == "completed":
            transition_step(
                run, step, S.COMPLETED, listener, output=outcome.output, error=None, error_code=None
            )
            if self.cache is not None and definition.options.cache:
                self.cache.put(cache_key(definition, step_inputs(run, step)), outcome.output)
            return None
        if outcome.status == "cancelled" or run.cancel_requested:
            transition_step(run, step, S.CANCELLED, listener, error=outcome.error)
            return None
        if outcome.retryable and step.attempt - step.first_attempt < definition.options.retries:
            delay = definition.options.retry_delay(step.attempt, random.random())
            transition_step(
                run,
                step,
                S.RETRYING,
                listener,
                error=outcome.error,
                error_code=outcome.error_code,
                not_before=self.clock() + delay,
            )
            return delay
        transition_step(
            run, step, S.FAILED, listener, error=outcome.error, error_code=outcome.error_code
        )
        return None

    def cancel_queued(self, run: RunRecord) -> None:
        """A cancel request ends every step that was queued but has not started."""
        for step in list(run.steps.values()):
            if step.state == S.QUEUED and not (step.map_index is None and _is_map(run, step)):
                transition_step(run, step, S.CANCELLED, self.listener)

    def reopen(self, run: RunRecord) -> None:
        """Retry a finished run: its failed, skipped and cancelled steps become PENDING again."""
        transition_run(
            run,
            RunState.PENDING,
            self.listener,
            error=None,
            cancel_requested=False,
            finished_at=None,
        )
        # Branches exist only where the list they map over was computed, and that step
        # completed, so the list is the same: failed branches are reopened in place (keeping
        # their attempt numbers) and completed ones are kept.
        for step in run.steps.values():
            if step.state in AGAIN:
                # Each try of a run gives its steps their full number of retries again.
                transition_step(
                    run,
                    step,
                    S.PENDING,
                    self.listener,
                    error=None,
                    error_code=None,
                    first_attempt=step.attempt + 1,
                )


def _is_map(run: RunRecord, step: StepRecord) -> bool:
    return run.dag.node(step.node).is_map


def step_inputs(run: RunRecord, step: StepRecord) -> dict[str, Any]:
    """The encoded arguments of a step (a map branch gets its item)."""
    node = run.dag.node(step.node)
    outputs = {key: rec.output for (key, index), rec in run.steps.items() if index is None}
    item = None
    if step.map_index is not None:
        assert node.map_over is not None
        item = resolve_input(node.map_over, outputs, run.inputs)[step.map_index]
    return resolve_inputs(node, outputs, run.inputs, item)


def output_prefix(run_id: str, node: str, map_index: int | None) -> str:
    """Deterministic for (run, step, map index): every attempt writes the same keys."""
    base = f"runs/{run_id}/{node}"
    return base if map_index is None else f"{base}/{map_index}"
