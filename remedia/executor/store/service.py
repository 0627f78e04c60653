"""RunService: every operation on a persisted run, each one transaction around the Advancer.

Each operation locks the run's row, changes its RunRecord through the shared ``Advancer``
(the same code the local executor runs), writes the changes with compare-and-set, and only
after the commit publishes the steps that became QUEUED and mirrors the events to Redis. A
crash between the commit and the publish leaves QUEUED steps with no ``published_at``, which
the reaper publishes.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar

from django.db import OperationalError, transaction
from django.utils import timezone
from pydantic import BaseModel

from remedia.executor.advance import Advancer, output_prefix, step_inputs
from remedia.executor.attempt import Outcome
from remedia.executor.cache import StepCache
from remedia.executor.plan import InputError, StepKey
from remedia.executor.records import RunRecord, StepRecord, transition_step
from remedia.executor.settings import ExecutorSettings
from remedia.executor.states import RUN_TERMINAL, RunState, StepState
from remedia.flows import Artifact, Catalogue, Flow, Step, encode_value
from remedia.storage import Storage

from .models import FlowRun, FlowRunEvent, StepAttempt, StepRun
from .persist import ConcurrentUpdate, LoadedRun, load_run, save_run, to_datetime

logger = logging.getLogger("remedia.executor")
S = StepState
T = TypeVar("T")
TRANSACTION_TRIES = 8


class Publisher(Protocol):
    """Sends step messages; implemented over Celery."""

    def publish_step(
        self, step_id: int, run_id: str, queue: str, timeout: float | None = None
    ) -> None: ...

    def schedule_advance(self, run_id: str, countdown: float) -> None: ...


class Mirror(Protocol):
    """Copies committed changes to the live store (Redis)."""

    def publish(self, loaded: LoadedRun, events: list[FlowRunEvent]) -> None: ...


@dataclass(frozen=True)
class Claim:
    """A step attempt this worker now owns: what it needs to run it."""

    step_id: int
    run_id: str
    node: str
    map_index: int | None
    attempt: int
    step: Step
    inputs: dict[str, Any]

    @property
    def output_prefix(self) -> str:
        return output_prefix(self.run_id, self.node, self.map_index)


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_is_alive(worker: str | None, heartbeat_fresh: bool) -> bool:
    """Whether the process that claimed an attempt may still be working on it.

    On this host the answer is exact (is the pid alive?); elsewhere the heartbeat decides.
    """
    if not worker:
        return heartbeat_fresh
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return heartbeat_fresh
    if int(pid) == os.getpid():
        return False  # this process moved on, so that attempt ended without settling
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return heartbeat_fresh


class RunService:
    """Submit, advance, claim, finish, cancel and retry persisted runs."""

    def __init__(
        self,
        *,
        catalogue: Catalogue,
        storage: Storage,
        publisher: Publisher,
        mirror: Mirror | None = None,
        settings: ExecutorSettings | None = None,
        use_cache: bool = True,
    ) -> None:
        self.catalogue = catalogue
        self.storage = storage
        self.publisher = publisher
        self.mirror = mirror
        self.settings = settings or ExecutorSettings()
        self.cache = StepCache(storage) if use_cache else None

    # -- the transaction around every operation -------------------------------------------

    def _queue_of(self, run: RunRecord) -> Callable[[StepRecord], str]:
        return lambda step: self.catalogue.step(run.dag.node(step.node).step).options.queue

    def _mutate(
        self,
        run_id: str,
        change: Callable[[LoadedRun, Advancer], T],
        *,
        extra: Callable[[], dict[StepKey, dict[str, Any]]] | None = None,
        publish_before_commit: bool = True,
    ) -> T:
        """One locked transaction around ``change``, then the publishing and mirroring.

        Steps are published before the commit, while the run row is locked: a worker that
        receives one claims it by locking the same row, so it waits for this commit and sees
        the step QUEUED, and ``published_at`` is written in this transaction instead of a
        second one. If the commit fails, the message finds its step not QUEUED and is dropped.
        A new run's rows are invisible until commit, so ``submit`` publishes after it.
        """
        for attempt in range(TRANSACTION_TRIES):
            try:
                with transaction.atomic():
                    loaded = load_run(run_id)
                    advancer = Advancer(self.catalogue, self.cache, loaded.listen)
                    result = change(loaded, advancer)
                    queued = [*advancer.advance(loaded.record), *loaded.to_publish]
                    step_extra = extra() if extra else {}
                    if publish_before_commit:
                        now = timezone.now()
                        for key in queued:
                            step_extra[key] = {**step_extra.get(key, {}), "published_at": now}
                    events = save_run(
                        loaded, queue_of=self._queue_of(loaded.record), step_extra=step_extra
                    )
                    rows = [loaded.step_rows[key] for key in queued]
                    if publish_before_commit:
                        self._publish(loaded, rows, mark_published=False)
                    else:
                        transaction.on_commit(partial(self._publish, loaded, rows))
                    transaction.on_commit(partial(self._mirror, loaded, events))
                return result
            except ConcurrentUpdate:
                logger.info("run %s changed concurrently; trying again", run_id)
            except OperationalError as exc:
                if "locked" not in str(exc) or attempt == TRANSACTION_TRIES - 1:
                    raise
        raise ConcurrentUpdate(f"run {run_id} kept changing under {TRANSACTION_TRIES} tries")

    def _publish(
        self, loaded: LoadedRun, rows: list[StepRun], *, mark_published: bool = True
    ) -> None:
        """Send each step's message; the reaper sends any whose publish failed."""
        dag = loaded.record.dag
        published, failed = [], []
        for row in rows:
            timeout = self.catalogue.step(dag.node(row.node).step).options.timeout
            try:
                self.publisher.publish_step(row.id, row.run_id, row.queue, timeout)
                published.append(row.id)
            except Exception:
                logger.exception("publishing step %s failed; the reaper will publish it", row.id)
                failed.append(row.id)
        if mark_published and published:
            StepRun.objects.filter(id__in=published, state=S.QUEUED).update(
                published_at=timezone.now()
            )
        if not mark_published and failed:
            StepRun.objects.filter(id__in=failed).update(published_at=None)

    def _mirror(self, loaded: LoadedRun, events: list[FlowRunEvent]) -> None:
        if self.mirror is None:
            return
        try:
            self.mirror.publish(loaded, events)
        except Exception:
            logger.exception("mirroring run %s to the live store failed", loaded.row.id)

    # -- operations -----------------------------------------------------------------------

    def submit(
        self,
        flow: Flow,
        inputs: Mapping[str, Artifact],
        params: BaseModel | dict[str, Any] | None = None,
        *,
        run_id: str | None = None,
        owner_id: int | None = None,
    ) -> str:
        """Create the run and its steps, and queue the steps that are ready."""
        missing = set(flow.inputs) - set(inputs)
        if missing:
            raise ValueError(f"flow '{flow.name}' needs inputs {sorted(missing)}")
        model = flow.validate_params(params)
        dag = flow.trace(model)
        run_id = run_id or uuid.uuid4().hex
        with transaction.atomic():
            FlowRun.objects.create(
                id=run_id,
                flow=flow.name,
                version=flow.version,
                dag=dag.to_json(),
                params=model.model_dump(mode="json"),
                inputs={name: encode_value(inputs[name]) for name in flow.inputs},
                owner_id=owner_id,
            )
            record = RunRecord.new(run_id, dag, {})
            queue_of = self._queue_of(record)
            StepRun.objects.bulk_create(
                StepRun(run_id=run_id, node=node.key, queue=queue_of(step))
                for node, step in ((n, record.steps[(n.key, None)]) for n in dag.nodes)
            )
            self._mutate(run_id, lambda loaded, adv: None, publish_before_commit=False)
        return run_id

    def advance(self, run_id: str) -> None:
        """Apply whatever is due (retries past their delay, a cancel, the end of the run)."""
        self._mutate(run_id, lambda loaded, adv: None)

    def cancel(self, run_id: str) -> bool:
        """Record a cancel request; False if the run had already ended."""

        def change(loaded: LoadedRun, adv: Advancer) -> bool:
            record = loaded.record
            if record.state in RUN_TERMINAL:
                return False
            record.cancel_requested = True
            adv.cancel_queued(record)
            return True

        return self._mutate(run_id, change)

    def retry(self, run_id: str) -> None:
        """Re-run only the failed, skipped and cancelled steps of a finished run."""
        self._mutate(run_id, lambda loaded, adv: adv.reopen(loaded.record))

    def claim(
        self, step_id: int, worker: str | None = None, run_id: str | None = None
    ) -> Claim | None:
        """Take the next attempt of a delivered step, or None if the delivery is stale."""
        worker = worker or this_worker()
        if run_id is None:
            try:
                run_id = StepRun.objects.values_list("run_id", flat=True).get(id=step_id)
            except StepRun.DoesNotExist:
                logger.warning("a message names step %s, which does not exist; dropped", step_id)
                return None

        extras: dict[StepKey, dict[str, Any]] = {}

        def change(loaded: LoadedRun, adv: Advancer) -> Claim | None:
            key = next((k for k, row in loaded.step_rows.items() if row.id == step_id), None)
            if key is None:
                return None
            return self._claim_in(loaded, adv, key, worker, extras)

        try:
            return self._mutate(run_id, change, extra=lambda: extras)
        except FlowRun.DoesNotExist:
            logger.warning("a message names run %s, which does not exist; dropped", run_id)
            return None

    def _claim_in(
        self,
        loaded: LoadedRun,
        adv: Advancer,
        key: StepKey,
        worker: str,
        extras: dict[StepKey, dict[str, Any]],
    ) -> Claim | None:
        record, row = loaded.record, loaded.step_rows[key]
        step = record.steps[key]
        definition = adv.definition(record, step)
        if step.state == S.RUNNING:
            if not self._lost(row):
                return None  # a duplicate delivery while the attempt is alive
            if not self._requeue_lost(loaded, adv, key, "the worker running it was lost"):
                return None
        if step.state != S.QUEUED:
            return None
        if record.cancel_requested:
            transition_step(record, step, S.CANCELLED, adv.listener)
            return None
        adv.start(record, step)
        timeout = definition.options.timeout
        deadline = to_datetime(adv.clock() + timeout) if timeout else None
        extras[key] = {"worker": worker, "deadline_at": deadline}
        StepAttempt.objects.create(
            step_id=row.id, number=step.attempt, worker=worker, started_at=timezone.now()
        )
        try:
            inputs = step_inputs(record, step)
        except InputError as exc:
            adv.settle(record, step, Outcome("failed", error=str(exc), error_code="bad_input"))
            return None
        return Claim(
            row.id, record.run_id, step.node, step.map_index, step.attempt, definition, inputs
        )

    def _requeue_lost(self, loaded: LoadedRun, adv: Advancer, key: StepKey, reason: str) -> bool:
        """RUNNING -> QUEUED after a lost attempt, or FAILED once lost attempts are spent."""
        record, row = loaded.record, loaded.step_rows[key]
        step = record.steps[key]
        self._end_attempt(row, "lost", reason)
        allowed = adv.definition(record, step).options.retries + 1
        allowed += self.settings.lost_attempts_allowed
        if step.attempt - step.first_attempt + 1 >= allowed:
            transition_step(
                record,
                step,
                S.FAILED,
                adv.listener,
                error=f"{reason} during attempt {step.attempt}, the last allowed",
                error_code="worker_lost",
            )
            return False
        transition_step(record, step, S.QUEUED, adv.listener)
        return True

    def _lost(self, row: StepRun) -> bool:
        lease = self.settings.lease_seconds
        fresh = row.heartbeat_at is not None and (
            (timezone.now() - row.heartbeat_at).total_seconds() < lease
        )
        return not holder_is_alive(row.worker, fresh)

    def _end_attempt(self, row: StepRun, outcome: str, error: str | None) -> None:
        StepAttempt.objects.filter(step_id=row.id, number=row.attempt).update(
            finished_at=timezone.now(), outcome=outcome, error=error
        )

    def finish(self, claim: Claim, outcome: Outcome) -> bool:
        """Record the attempt's outcome; False when the attempt was fenced off meanwhile."""
        delays: list[float] = []

        def change(loaded: LoadedRun, adv: Advancer) -> bool:
            key = (claim.node, claim.map_index)
            step = loaded.record.steps.get(key)
            row = loaded.step_rows.get(key)
            if step is None or row is None:
                return False
            if step.state != S.RUNNING or step.attempt != claim.attempt:
                self._end_attempt(row, "fenced", "another attempt owns the step now")
                return False
            delay = adv.settle(loaded.record, step, outcome)
            self._end_attempt(row, outcome.status, outcome.error)
            if delay is not None:
                delays.append(delay)
            return True

        settled = self._mutate(claim.run_id, change)
        for delay in delays:
            if delay <= self.settings.max_countdown_seconds:
                self.publisher.schedule_advance(claim.run_id, delay)
        return settled

    def lose_attempt(self, step_id: int, reason: str, code: str) -> None:
        """The reaper's verdict on a RUNNING step nobody is beating for: retry it or fail it."""
        run_id = StepRun.objects.values_list("run_id", flat=True).get(id=step_id)

        def change(loaded: LoadedRun, adv: Advancer) -> None:
            key = next((k for k, row in loaded.step_rows.items() if row.id == step_id), None)
            if key is None or loaded.record.steps[key].state != S.RUNNING:
                return
            if code == "timeout":
                self._end_attempt(loaded.step_rows[key], "timeout", reason)
                adv.settle(
                    loaded.record,
                    loaded.record.steps[key],
                    Outcome("failed", error=reason, error_code=code),
                )
            elif self._requeue_lost(loaded, adv, key, reason):
                loaded.to_publish.append(key)

        self._mutate(run_id, change)

    def run_state(self, run_id: str) -> RunState:
        return RunState(FlowRun.objects.values_list("state", flat=True).get(id=run_id))
