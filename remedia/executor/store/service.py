"""RunService: every operation on a persisted run, each one ``RunTransactions`` change.

A new run is written in one transaction with its first steps' messages; every later operation
locks the run, changes it through the ``Advancer`` and publishes what it queued
(``run_transaction``).

Settling a step and claiming the successor it made ready are one transaction when the worker
that settles it serves the successor's queue (``finish_and_continue``): the successor is never
published, the worker runs it next, and if the worker dies meanwhile the step is RUNNING
without a heartbeat, which the reaper re-queues like any other lost attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from pydantic import BaseModel

from remedia.executor.advance import Advancer, step_inputs
from remedia.executor.attempt import Outcome
from remedia.executor.cache import StepCache
from remedia.executor.plan import InputError, StepKey
from remedia.executor.settings import ExecutorSettings
from remedia.executor.states import RUN_TERMINAL, RunState, StepState
from remedia.flows import Artifact, Catalogue, Flow
from remedia.storage import Storage

from .attempts import Attempts, Claim, holder_is_alive, this_worker
from .models import FlowRun, StepRun
from .new_runs import NewRun, plan_new_run
from .outbound import Mirror, Publisher
from .persist import LoadedRun, insert_new_runs, load_run, remember
from .run_cache import dag_cache
from .run_transaction import RunTransactions
from .writes import Writes

__all__ = ["Claim", "Mirror", "NewRun", "Publisher", "RunService", "holder_is_alive", "this_worker"]

logger = logging.getLogger("remedia.executor")
S = StepState
#: Held by a submit until it commits; a worker whose message names no run yet waits on it.
SUBMIT_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"
SUBMIT_LOCKS = "SELECT pg_advisory_xact_lock(hashtextextended(id, 0)) FROM unnest(%s::text[]) AS id"


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
        self.attempts = Attempts(self.settings)
        self.transactions = RunTransactions(
            catalogue=catalogue,
            cache=self.cache,
            publisher=publisher,
            mirror=mirror,
            settings=self.settings,
        )

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
        return self.submit_many([NewRun(flow, inputs, params, run_id, owner_id)])[0]

    def submit_many(self, runs: Sequence[NewRun]) -> list[str]:
        """Create every run of ``runs`` in one transaction, or none of them.

        Each is validated and planned before anything is written, so a bad one raises
        (ValueError, or ParameterError) and nothing is submitted. The batch costs a fixed
        number of round trips to the database whatever its size, and its first steps' messages
        are sent together (``Publisher.publish_steps``).
        """
        planned = [plan_new_run(new, self.catalogue, self.cache) for new in runs]
        if not planned:
            return []
        # On PostgreSQL the first steps are published before the commit, like any other step,
        # under a lock on each run id that a worker which finds no run yet waits on
        # (``_await_submit``); elsewhere after the commit, marked published by a second
        # transaction.
        early = connection.vendor == "postgresql"
        now = timezone.now()
        with transaction.atomic():
            writes = Writes()
            if early:
                writes.setting(SUBMIT_LOCKS, ([p.run_id for p in planned],))
            loaded = [p.loaded for p in planned]
            queued = {p.run_id: p.queued for p in planned}
            every_events = insert_new_runs(
                loaded,
                writes,
                queue_of=lambda run: self.transactions.queue_of(run.record),
                step_extra=lambda run: (
                    {key: {"published_at": now} for key in queued[run.record.run_id]}
                    if early
                    else {}
                ),
            )
            messages = []
            for run, events in zip(loaded, every_events, strict=True):
                dag_cache.put(run.record.run_id, run.record.dag)
                rows = [run.step_rows[key] for key in queued[run.record.run_id]]
                messages += self.transactions.messages(run, rows)
                self.transactions.after_commit(run, events)
            if early:
                self.transactions.publish(messages, mark_published=False)
            else:
                transaction.on_commit(partial(self.transactions.publish, messages))
        return [p.run_id for p in planned]

    def _await_submit(self, run_id: str) -> None:
        """Wait until a submit of ``run_id`` still in progress has committed or rolled back."""
        if connection.vendor != "postgresql":
            return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(SUBMIT_LOCK, [run_id])

    def advance(self, run_id: str) -> None:
        """Apply whatever is due (retries past their delay, a cancel, the end of the run)."""
        self.transactions.change(run_id, lambda loaded, adv: None)

    def cancel(self, run_id: str) -> bool:
        """Record a cancel request; False if the run had already ended."""

        def change(loaded: LoadedRun, adv: Advancer) -> bool:
            record = loaded.record
            if record.state in RUN_TERMINAL:
                return False
            record.cancel_requested = True
            adv.cancel_queued(record)
            return True

        return self.transactions.change(run_id, change)

    def retry(self, run_id: str) -> None:
        """Re-run only the failed, skipped and cancelled steps of a finished run."""
        self.transactions.change(run_id, lambda loaded, adv: adv.reopen(loaded.record))

    def claim(
        self,
        step_id: int,
        worker: str | None = None,
        run_id: str | None = None,
        *,
        lost_start: tuple[str, int] | None = None,
    ) -> Claim | None:
        """Take the next attempt of a delivered step, or None if the delivery is stale.

        ``lost_start`` names a worker and the attempt it started without claiming it
        (``claim_later``) and never settled: if the step is still at that attempt, it is
        recorded as lost first, so a step that kills its worker still runs out of attempts.
        """
        worker = worker or this_worker()
        if run_id is None:
            try:
                run_id = StepRun.objects.values_list("run_id", flat=True).get(id=step_id)
            except StepRun.DoesNotExist:
                logger.warning("a message names step %s, which does not exist; dropped", step_id)
                return None

        extras: dict[StepKey, dict[str, Any]] = {}

        def change(loaded: LoadedRun, adv: Advancer) -> Claim | None:
            extras.clear()
            key = next((k for k, row in loaded.step_rows.items() if row.id == step_id), None)
            if key is None:
                return None
            if lost_start is not None and not self.attempts.lose_early_start(
                loaded, adv, key, *lost_start
            ):
                return None
            return self.attempts.claim(loaded, adv, key, worker, extras)

        try:
            return self.transactions.change(run_id, change, extra=lambda: extras, step_commit=True)
        except FlowRun.DoesNotExist:
            pass
        # The message may have overtaken its run's submit, which publishes before it commits.
        self._await_submit(run_id)
        try:
            return self.transactions.change(run_id, change, extra=lambda: extras, step_commit=True)
        except FlowRun.DoesNotExist:
            logger.warning("a message names run %s, which does not exist; dropped", run_id)
            return None

    def claim_later(self, step_id: int, run_id: str) -> Claim | None:
        """The attempt a claim of a delivered step would open, read without a lock or a
        commit, for a worker to start at once and claim when it settles, in the same
        transaction; None when the step is not plainly ready, or has a timeout (then
        ``claim`` decides). A step's soft time limit is a signal that may land anywhere, and
        one that interrupted a deferred claim's settlement would leave the step QUEUED with
        its message acknowledged, for the reaper's slow republish.

        Nothing is written: if the worker dies, the step is still QUEUED and its message,
        not acknowledged, is delivered again. If another delivery claims the step first, the
        settlement finds it no longer QUEUED and this attempt's outcome is dropped.
        """
        try:
            loaded = load_run(run_id, lock=False)
        except FlowRun.DoesNotExist:
            return None
        record = loaded.record
        key = next((k for k, row in loaded.step_rows.items() if row.id == step_id), None)
        if key is None or record.cancel_requested or record.state in RUN_TERMINAL:
            return None
        step = record.steps[key]
        if step.state != S.QUEUED:
            return None
        remember(loaded)  # the claim or settlement reuses these rows if nothing changed
        definition = self.catalogue.step(record.dag.node(step.node).step)
        if definition.options.timeout is not None:
            return None
        try:
            inputs = step_inputs(record, step)
        except InputError:
            return None
        return Claim(
            step_id, run_id, step.node, step.map_index, step.attempt + 1, definition, inputs, True
        )

    def finish(self, claim: Claim, outcome: Outcome) -> bool:
        """Record the attempt's outcome; False when the attempt was fenced off meanwhile."""
        settled, _ = self.finish_and_continue(claim, outcome)
        return settled

    def finish_and_continue(
        self,
        claim: Claim,
        outcome: Outcome,
        *,
        queues: Collection[str] = (),
        worker: str | None = None,
    ) -> tuple[bool, Claim | None]:
        """Record the attempt's outcome and, in the same transaction, claim for ``worker`` a
        step it made ready on one of ``queues``: that step is not published, and the caller
        runs it next. Returns whether the outcome counted, and the claim, if any.

        Only steps without a timeout are continued: a step's timeout is enforced by the time
        limits of the message it was delivered in, and a continued step has none of its own.
        """
        worker = worker or this_worker()
        delays: list[float] = []
        extras: dict[StepKey, dict[str, Any]] = {}
        taken: list[Claim] = []
        counted: list[bool] = []
        key = (claim.node, claim.map_index)

        def change(loaded: LoadedRun, adv: Advancer) -> bool:
            delays.clear()
            extras.clear()
            taken.clear()
            counted.clear()
            step = loaded.record.steps.get(key)
            row = loaded.step_rows.get(key)
            if step is None or row is None:
                return False
            if claim.deferred:
                if step.state != S.QUEUED or step.attempt + 1 != claim.attempt:
                    return False  # another delivery claimed it: this outcome is not needed
                if self.attempts.claim(loaded, adv, key, worker, extras) is None:
                    return False  # cancelled meanwhile
                step.started_at = claim.started_at or step.started_at
            if step.state != S.RUNNING or step.attempt != claim.attempt:
                self.attempts.end(loaded, row, "fenced", "another attempt owns the step now")
                return False
            delay = adv.settle(loaded.record, step, outcome)
            self.attempts.end(loaded, row, outcome.status, outcome.error)
            if delay is not None:
                delays.append(delay)
            counted.append(True)
            return True

        def take(loaded: LoadedRun, adv: Advancer, queued: list[StepKey]) -> list[StepKey]:
            record = loaded.record
            # A fenced attempt's worker continues with nothing: it no longer owns this run's
            # progress, and a claim it did not run would wait for the reaper.
            if not counted or not queues or claim.step.options.timeout is not None:
                return queued
            for candidate in queued:
                if candidate not in loaded.step_rows:  # a branch whose row is not written yet
                    continue
                options = adv.definition(record, record.steps[candidate]).options
                if options.timeout is not None or options.queue not in queues:
                    continue
                rest = [k for k in queued if k != candidate]
                found = self.attempts.claim(loaded, adv, candidate, worker, extras)
                if found is None:  # failed on its inputs: what follows from that is due now
                    return [*rest, *adv.advance(record)]
                taken.append(found)
                return rest
            return queued

        settled = self.transactions.change(
            claim.run_id, change, extra=lambda: extras, take=take, step_commit=True
        )
        for delay in delays:
            if delay <= self.settings.max_countdown_seconds:
                self.publisher.schedule_advance(claim.run_id, delay)
        return settled, (taken[0] if taken else None)

    def lose_attempt(
        self, step_id: int, reason: str, code: str, *, attempt: int | None = None
    ) -> None:
        """The reaper's verdict on a RUNNING step nobody is beating for: retry it or fail it.

        ``attempt`` is the attempt the verdict is about: if the step has moved on to another
        one since (a redelivery found the holder dead and claimed it again), nothing happens.
        """
        run_id = StepRun.objects.values_list("run_id", flat=True).get(id=step_id)

        def change(loaded: LoadedRun, adv: Advancer) -> None:
            key = next((k for k, row in loaded.step_rows.items() if row.id == step_id), None)
            if key is None or loaded.record.steps[key].state != S.RUNNING:
                return
            if attempt is not None and loaded.record.steps[key].attempt != attempt:
                return
            if code == "timeout":
                self.attempts.end(loaded, loaded.step_rows[key], "timeout", reason)
                adv.settle(
                    loaded.record,
                    loaded.record.steps[key],
                    Outcome("failed", error=reason, error_code=code),
                )
            elif self.attempts.requeue_lost(loaded, adv, key, reason):
                loaded.to_publish.append(key)

        self.transactions.change(run_id, change, step_commit=True)

    def run_state(self, run_id: str) -> RunState:
        return RunState(FlowRun.objects.values_list("state", flat=True).get(id=run_id))
