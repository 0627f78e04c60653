"""LocalExecutor: runs a traced flow on this machine, each step attempt in its own process.

It applies the same plan (``plan.py``) and the same state machines as the Celery executor:
independent steps run concurrently up to ``workers`` at a time, failed attempts are retried
with backoff, timed-out attempts are killed, cache hits skip the work, and a cancel request
stops dispatch and lets running steps end at their next progress report.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections.abc import Mapping
from multiprocessing.connection import wait
from typing import Any

from pydantic import BaseModel

from remedia.flows import Artifact, Catalogue, Flow, catalogue, encode_value
from remedia.storage import Storage

from .attempt import Outcome
from .cache import StepCache, cache_key
from .plan import (
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
    resolve_inputs,
    run_outputs,
)
from .process import StepProcess, new_cancel_event
from .records import Listener, RunRecord, StepRecord, transition_run, transition_step
from .states import RUN_TERMINAL, RunState, StepState

S = StepState
POLL_SECONDS = 0.05


def output_prefix(run_id: str, node: str, map_index: int | None) -> str:
    """Deterministic for (run, step, map index): every attempt writes the same keys."""
    base = f"runs/{run_id}/{node}"
    return base if map_index is None else f"{base}/{map_index}"


class LocalRun:
    """A run being executed in a background thread."""

    def __init__(self, executor: LocalExecutor, record: RunRecord, listener: Listener | None):
        self.record = record
        self._cancel = threading.Event()
        self._thread = threading.Thread(
            target=executor._execute, args=(record, listener, self._cancel), daemon=True
        )
        self._thread.start()

    @property
    def run_id(self) -> str:
        return self.record.run_id

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> RunRecord:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"run {self.run_id} still {self.record.state} after {timeout}s")
        return self.record


class LocalExecutor:
    """Runs flows in-process (steps in child processes) with no server at all."""

    name = "local"

    def __init__(
        self,
        storage: Storage,
        *,
        workers: int | None = None,
        use_cache: bool = True,
        cancel_grace: float = 5.0,
        registry: Catalogue = catalogue,
    ) -> None:
        self.storage = storage
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.cache = StepCache(storage) if use_cache else None
        self.cancel_grace = cancel_grace
        self.catalogue = registry
        self.runs: dict[str, RunRecord] = {}

    # -- public API -------------------------------------------------------------------------

    def create(
        self,
        flow: Flow,
        inputs: Mapping[str, Artifact],
        params: BaseModel | dict[str, Any] | None = None,
        run_id: str | None = None,
    ) -> RunRecord:
        missing = set(flow.inputs) - set(inputs)
        if missing:
            raise ValueError(f"flow '{flow.name}' needs inputs {sorted(missing)}")
        dag = flow.trace(params)
        record = RunRecord.new(
            run_id or uuid.uuid4().hex,
            dag,
            {name: encode_value(inputs[name]) for name in flow.inputs},
        )
        self.runs[record.run_id] = record
        return record

    def run(
        self,
        flow: Flow,
        inputs: Mapping[str, Artifact],
        params: BaseModel | dict[str, Any] | None = None,
        *,
        run_id: str | None = None,
        listener: Listener | None = None,
        cancel: threading.Event | None = None,
    ) -> RunRecord:
        """Run to the end in this thread; set ``cancel`` (e.g. on Ctrl-C) to stop early."""
        record = self.create(flow, inputs, params, run_id)
        self._execute(record, listener, cancel or threading.Event())
        return record

    def submit(
        self,
        flow: Flow,
        inputs: Mapping[str, Artifact],
        params: BaseModel | dict[str, Any] | None = None,
        *,
        listener: Listener | None = None,
    ) -> LocalRun:
        """Start a run in a background thread and return a handle to wait on or cancel."""
        return LocalRun(self, self.create(flow, inputs, params), listener)

    def retry(self, run_id: str, *, listener: Listener | None = None) -> LocalRun:
        """Re-run only the failed, skipped and cancelled steps of a finished run."""
        record = self.runs[run_id]
        transition_run(record, RunState.PENDING, listener, error=None, cancel_requested=False)
        for key in [k for k in record.steps if k[1] is not None]:
            node_state = record.steps[(key[0], None)].state
            if node_state in (S.FAILED, S.CANCELLED, S.SKIPPED):
                del record.steps[key]  # branches are expanded again from the list
        for step in record.steps.values():
            if step.state in (S.FAILED, S.CANCELLED, S.SKIPPED):
                transition_step(record, step, S.PENDING, listener, error=None, error_code=None)
        return LocalRun(self, record, listener)

    # -- the loop ---------------------------------------------------------------------------

    def _execute(self, run: RunRecord, listener: Listener | None, cancel: threading.Event) -> None:
        loop = _RunLoop(self, run, listener, cancel)
        loop.run()


class _RunLoop:
    """The state of one execution of one run."""

    def __init__(
        self,
        executor: LocalExecutor,
        run: RunRecord,
        listener: Listener | None,
        cancel: threading.Event,
    ) -> None:
        self.ex = executor
        self.run_record = run
        self.listener = listener
        self.cancel = cancel
        self.child_cancel = new_cancel_event()
        self.running: dict[StepKey, StepProcess] = {}
        self.queued: list[StepKey] = []
        self.cancel_deadline: float | None = None

    def run(self) -> None:
        run = self.run_record
        try:
            while run.state not in RUN_TERMINAL:
                self._observe_cancel()
                self._advance()
                self._start_queued()
                if run.state in RUN_TERMINAL:
                    break
                self._wait()
                self._reap_finished()
                self._enforce_deadlines()
        finally:
            for proc in self.running.values():
                proc.kill()
                proc.close()
            self.running.clear()

    # -- deciding -------------------------------------------------------------------------

    def _observe_cancel(self) -> None:
        if self.cancel.is_set() and not self.run_record.cancel_requested:
            self.run_record.cancel_requested = True
            self.child_cancel.set()
            self.cancel_deadline = time.monotonic() + self.ex.cancel_grace

    def _advance(self) -> None:
        run = self.run_record
        while True:
            actions = plan(
                run.dag,
                run.views(),
                cancel_requested=run.cancel_requested,
                now=time.time(),
                run_inputs=run.inputs,
            )
            if not actions:
                return
            for action in actions:
                self._apply(action)
            if run.state in RUN_TERMINAL:
                return

    def _apply(self, action: Any) -> None:
        run, listener = self.run_record, self.listener
        if isinstance(action, Dispatch):
            self._dispatch(run.steps[action.key])
        elif isinstance(action, Requeue):
            step = run.steps[action.key]
            transition_step(run, step, S.QUEUED, listener, not_before=None)
            self.queued.append(step.key)
        elif isinstance(action, Skip):
            transition_step(run, run.steps[action.key], S.SKIPPED, listener, error=action.reason)
        elif isinstance(action, Cancel):
            transition_step(run, run.steps[action.key], S.CANCELLED, listener)
        elif isinstance(action, Expand):
            self._expand(action)
        elif isinstance(action, FinishMap):
            step = run.steps[(action.node, None)]
            transition_step(
                run, step, action.state, listener, output=action.output, error=action.reason
            )
        elif isinstance(action, FinishRun):
            self._finish(action)

    def _dispatch(self, step: StepRecord) -> None:
        run, listener = self.run_record, self.listener
        if self.ex.cache is not None:
            definition = self.ex.catalogue.step(run.dag.node(step.node).step)
            if definition.options.cache:
                try:
                    hit = self.ex.cache.get(cache_key(definition, self._inputs(step)))
                except InputError:
                    hit = None
                if hit is not None:
                    transition_step(run, step, S.CACHED, listener, output=hit)
                    return
        transition_step(run, step, S.QUEUED, listener)
        self.queued.append(step.key)

    def _expand(self, action: Expand) -> None:
        run, listener = self.run_record, self.listener
        parent = run.steps[(action.node, None)]
        for index in range(len(action.items)):
            run.steps[(action.node, index)] = StepRecord(node=action.node, map_index=index)
        transition_step(run, parent, S.QUEUED, listener)
        transition_step(run, parent, S.RUNNING, listener, message=f"{len(action.items)} branches")

    def _finish(self, action: FinishRun) -> None:
        run = self.run_record
        if run.state == RunState.PENDING and action.state != RunState.COMPLETED:
            transition_run(run, action.state, self.listener, error=action.reason)
            return
        outputs: dict[str, Any] = {}
        if action.state == RunState.COMPLETED:
            outputs = run_outputs(run.dag, run.views(), run.inputs)
        transition_run(run, action.state, self.listener, error=action.reason, outputs=outputs)

    def _inputs(self, step: StepRecord) -> dict[str, Any]:
        run = self.run_record
        node = run.dag.node(step.node)
        outputs = {key: rec.output for (key, index), rec in run.steps.items() if index is None}
        item = None
        if step.map_index is not None:
            assert node.map_over is not None
            from .plan import resolve_input

            item = resolve_input(node.map_over, outputs, run.inputs)[step.map_index]
        return resolve_inputs(node, outputs, run.inputs, item)

    # -- doing ----------------------------------------------------------------------------

    def _start_queued(self) -> None:
        run = self.run_record
        if run.state == RunState.PENDING and (self.queued or self.running):
            transition_run(run, RunState.RUNNING, self.listener)
        while self.queued and run.cancel_requested:
            transition_step(run, run.steps[self.queued.pop(0)], S.CANCELLED, self.listener)
        while self.queued and len(self.running) < self.ex.workers:
            step = run.steps[self.queued.pop(0)]
            definition = self.ex.catalogue.step(run.dag.node(step.node).step)
            try:
                inputs = self._inputs(step)
            except InputError as exc:
                transition_step(run, step, S.RUNNING, self.listener, attempt=step.attempt + 1)
                self._settle(
                    step, Outcome("failed", error=str(exc), error_code="bad_input", retryable=False)
                )
                continue
            transition_step(run, step, S.RUNNING, self.listener, attempt=step.attempt + 1)
            context = {
                "output_prefix": output_prefix(run.run_id, step.node, step.map_index),
                "run_id": run.run_id,
                "node_key": step.node,
                "map_index": step.map_index,
                "attempt": step.attempt,
            }
            self.running[step.key] = StepProcess(
                definition, inputs, self.ex.storage, self.child_cancel, context
            )

    def _wait(self) -> None:
        waitables: list[Any] = []
        for proc in self.running.values():
            waitables += [proc.conn, proc.process.sentinel]
        timeout = POLL_SECONDS
        if waitables:
            wait(waitables, timeout)
        else:
            time.sleep(timeout)

    def _reap_finished(self) -> None:
        run = self.run_record
        for key, proc in list(self.running.items()):
            step = run.steps[key]
            for message in proc.receive():
                if message[0] == "progress":
                    self._progress(step, message[1], message[2])
            if proc.outcome is not None or proc.exited():
                proc.receive()
                outcome = proc.outcome or Outcome(
                    "failed", error=proc.death_reason(), error_code="worker_lost"
                )
                del self.running[key]
                proc.close()
                self._settle(step, outcome)

    def _progress(self, step: StepRecord, fraction: float | None, message: str | None) -> None:
        step.fraction, step.message = fraction, message
        if self.listener is not None:
            from .events import RunEvent

            self.listener(
                RunEvent(
                    run_id=self.run_record.run_id,
                    kind="progress",
                    node=step.node,
                    map_index=step.map_index,
                    attempt=step.attempt,
                    fraction=fraction,
                    message=message,
                )
            )

    def _settle(self, step: StepRecord, outcome: Outcome) -> None:
        run, listener = self.run_record, self.listener
        definition = self.ex.catalogue.step(run.dag.node(step.node).step)
        if outcome.status == "completed":
            transition_step(
                run, step, S.COMPLETED, listener, output=outcome.output, error=None, error_code=None
            )
            if self.ex.cache is not None and definition.options.cache:
                self.ex.cache.put(cache_key(definition, self._inputs(step)), outcome.output)
        elif outcome.status == "cancelled" or run.cancel_requested:
            transition_step(run, step, S.CANCELLED, listener, error=outcome.error)
        elif outcome.retryable and step.attempt <= definition.options.retries:
            delay = definition.options.retry_delay(step.attempt, random.random())
            transition_step(
                run,
                step,
                S.RETRYING,
                listener,
                error=outcome.error,
                error_code=outcome.error_code,
                not_before=time.time() + delay,
            )
        else:
            transition_step(
                run, step, S.FAILED, listener, error=outcome.error, error_code=outcome.error_code
            )

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        for key, proc in list(self.running.items()):
            cancel_over = self.cancel_deadline is not None and now > self.cancel_deadline
            timed_out = proc.deadline is not None and now > proc.deadline
            if not (cancel_over or timed_out):
                continue
            proc.kill()
            del self.running[key]
            proc.close()
            step = self.run_record.steps[key]
            if cancel_over:
                self._settle(step, Outcome("cancelled", error="cancelled on request"))
            else:
                self._settle(
                    step,
                    Outcome(
                        "failed", error=f"timed out after {proc.timeout:g}s", error_code="timeout"
                    ),
                )
