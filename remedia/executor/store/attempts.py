"""Attempts: taking a step's next attempt, and ending one, inside a run's locked transaction.

A claim moves a QUEUED step to RUNNING under the worker that will run it and opens its
StepAttempt row; ending an attempt closes that row with its outcome. A RUNNING step whose
holder is gone (its process died, or it stopped beating) is re-queued, or failed once the
lost attempts it may have are spent. ``RunService`` calls these for a delivered step, for a
successor it continues with, and for the reaper's verdicts.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

from django.utils.timezone import now

from remedia.executor.advance import Advancer, output_prefix, step_inputs
from remedia.executor.attempt import Outcome
from remedia.executor.plan import InputError, StepKey
from remedia.executor.records import transition_step
from remedia.executor.settings import ExecutorSettings
from remedia.executor.states import StepState
from remedia.flows import Step

from .models import StepAttempt, StepRun
from .persist import LoadedRun, to_datetime

S = StepState


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
    # True while nothing is committed yet: the attempt is the one a claim would open next,
    # and settling it claims it in the same transaction (``RunService.claim_later``).
    deferred: bool = False
    # When a deferred attempt began to run (epoch seconds), recorded as its start.
    started_at: float | None = None

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


class Attempts:
    """Opens, ends and recovers step attempts on a loaded run, for one ``RunService``."""

    def __init__(self, settings: ExecutorSettings) -> None:
        self.settings = settings

    def claim(
        self,
        loaded: LoadedRun,
        adv: Advancer,
        key: StepKey,
        worker: str,
        extras: dict[StepKey, dict[str, Any]],
    ) -> Claim | None:
        """QUEUED -> RUNNING for ``worker``, or None when the step is not this worker's to run.

        ``extras`` receives the row fields the transition alone does not set (the worker, the
        deadline), for ``save_run`` to write with it.
        """
        record, row = loaded.record, loaded.step_rows[key]
        step = record.steps[key]
        definition = adv.definition(record, step)
        if step.state == S.RUNNING:
            row.refresh_from_db(fields=["heartbeat_at", "worker"])  # beats add no event
            if not self.is_lost(row):
                return None  # a duplicate delivery while the attempt is alive
            if not self.requeue_lost(loaded, adv, key, "the worker running it was lost"):
                return None
        if step.state != S.QUEUED:
            return None
        if record.cancel_requested:
            transition_step(record, step, S.CANCELLED, adv.listener)
            return None
        adv.start(record, step)
        timeout = definition.options.timeout
        deadline = to_datetime(adv.clock() + timeout) if timeout else None
        extras[key] = {**extras.get(key, {}), "worker": worker, "deadline_at": deadline}
        loaded.opened_attempts.append(
            StepAttempt(step_id=row.id, number=step.attempt, worker=worker, started_at=now())
        )
        try:
            inputs = step_inputs(record, step)
        except InputError as exc:
            adv.settle(record, step, Outcome("failed", error=str(exc), error_code="bad_input"))
            return None
        return Claim(
            row.id, record.run_id, step.node, step.map_index, step.attempt, definition, inputs
        )

    def lose_early_start(
        self, loaded: LoadedRun, adv: Advancer, key: StepKey, worker: str, attempt: int
    ) -> bool:
        """Record attempt ``attempt`` of a QUEUED step, which ``worker`` started before
        claiming it and never settled, as lost; False if that leaves the step FAILED (the
        lost attempts it may have are spent) or the step is not at that attempt."""
        record, row = loaded.record, loaded.step_rows[key]
        step = record.steps[key]
        if step.state != S.QUEUED or step.attempt + 1 != attempt:
            return True
        adv.start(record, step)
        loaded.opened_attempts.append(
            StepAttempt(step_id=row.id, number=step.attempt, worker=worker, started_at=now())
        )
        reason = "the worker running it was lost before it claimed the step"
        return self.requeue_lost(loaded, adv, key, reason)

    def requeue_lost(self, loaded: LoadedRun, adv: Advancer, key: StepKey, reason: str) -> bool:
        """RUNNING -> QUEUED after a lost attempt, or FAILED once lost attempts are spent."""
        record, row = loaded.record, loaded.step_rows[key]
        step = record.steps[key]
        self.end(loaded, row, "lost", reason)
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

    def is_lost(self, row: StepRun) -> bool:
        lease = self.settings.lease_seconds
        fresh = row.heartbeat_at is not None and (
            (now() - row.heartbeat_at).total_seconds() < lease
        )
        return not holder_is_alive(row.worker, fresh)

    def end(self, loaded: LoadedRun, row: StepRun, outcome: str, error: str | None) -> None:
        """Close the row's current attempt, with the run's other writes."""
        # The record's number: an attempt opened in this same transaction is not on the row yet.
        number = loaded.record.steps[(row.node, row.map_index)].attempt
        for opened in loaded.opened_attempts:
            if opened.step_id == row.id and opened.number == number:
                opened.finished_at, opened.outcome, opened.error = now(), outcome, error
                return
        loaded.writes.update(
            StepAttempt,
            {"step_id": row.id, "number": number},
            {"finished_at": now(), "outcome": outcome, "error": error},
        )
