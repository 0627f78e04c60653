"""LocalExecutor: runs a traced flow on this machine, each step attempt in its own process.

It applies the same plan (``plan.py``) through the same Advancer (``advance.py``) as the
Celery executor:
independent steps run concurrently up to ``workers`` at a time, failed attempts are retried
with backoff, timed-out attempts are killed, cache hits skip the work, and a cancel request
stops dispatch and lets running steps end at their next progress report.
"""

from __future__ import annotations

import copy
import os
import threading
import time
import uuid
from collections.abc import Mapping
from multiprocessing.connection import wait
from typing import Any

from pydantic import BaseModel

from remedia.flows import Artifact, Catalogue, Flow, catalogue, encode_value
from remedia.storage import Storage

from .advance import Advancer, output_prefix, step_inputs
from .attempt import Outcome
from .cache import StepCache
from .plan import InputError, StepKey
from .process import StepProcess, new_cancel_event
from .records import Listener, RunRecord, StepRecord, transition_run, transition_step
from .states import RUN_TERMINAL, RunState, StepState

S = StepState
POLL_SECONDS = 0.05


class LocalRun:
    """A run being executed in a background thread."""

    def __init__(self, executor: LocalExecutor, record: RunRecord, listener: Listener | None):
        self.record = record
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=executor._execute,
            args=(record, listener, self._cancel, self._lock),
            daemon=True,
        )
        self._thread.start()

    @property
    def run_id(self) -> str:
        return self.record.run_id

    def snapshot(self) -> RunRecord:
        """A consistent copy of the run as it is now, safe to read while the run goes on."""
        with self._lock:
            return copy.deepcopy(self.record, {id(self.record.dag): self.record.dag})

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
        Advancer(self.catalogue, self.cache, listener).reopen(record)
        return LocalRun(self, record, listener)

    # -- the loop ---------------------------------------------------------------------------

    def _execute(
        self,
        run: RunRecord,
        listener: Listener | None,
        cancel: threading.Event,
        lock: threading.Lock | None = None,
    ) -> None:
        loop = _RunLoop(self, run, listener, cancel, lock or threading.Lock())
        loop.run()


class _RunLoop:
    """The state of one execution of one run."""

    def __init__(
        self,
        executor: LocalExecutor,
        run: RunRecord,
        listener: Listener | None,
        cancel: threading.Event,
        lock: threading.Lock,
    ) -> None:
        self.ex = executor
        self.run_record = run
        self.listener = listener
        self.cancel = cancel
        self.lock = lock
        self.child_cancel = new_cancel_event()
        self.running: dict[StepKey, StepProcess] = {}
        self.queued: list[StepKey] = []
        self.cancel_deadline: float | None = None
        self.advancer = Advancer(executor.catalogue, executor.cache, listener)

    def run(self) -> None:
        run = self.run_record
        try:
            while run.state not in RUN_TERMINAL:
                with self.lock:
                    self._observe_cancel()
                    self._advance()
                    self._start_queued()
                if run.state in RUN_TERMINAL:
                    break
                self._wait()
                with self.lock:
                    self._reap_finished()
                    self._enforce_deadlines()
        except Exception as exc:
            with self.lock:
                self._crash(exc)
            raise
        finally:
            for proc in self.running.values():
                proc.kill()
                proc.close()
            self.running.clear()

    def _crash(self, exc: Exception) -> None:
        """The executor itself failed: say so on the run rather than leave it running forever."""
        run = self.run_record
        if run.state not in RUN_TERMINAL:
            reason = f"the executor failed: {type(exc).__name__}: {exc}"
            transition_run(run, RunState.CRASHED, self.listener, error=reason)

    # -- deciding -------------------------------------------------------------------------

    def _observe_cancel(self) -> None:
        if self.cancel.is_set() and not self.run_record.cancel_requested:
            self.run_record.cancel_requested = True
            self.child_cancel.set()
            self.cancel_deadline = time.monotonic() + self.ex.cancel_grace

    def _advance(self) -> None:
        self.queued.extend(self.advancer.advance(self.run_record))

    def _inputs(self, step: StepRecord) -> dict[str, Any]:
        return step_inputs(self.run_record, step)

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
                self.advancer.start(run, step)
                self._settle(
                    step, Outcome("failed", error=str(exc), error_code="bad_input", retryable=False)
                )
                continue
            self.advancer.start(run, step)
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
        self.advancer.settle(self.run_record, step, outcome)

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
