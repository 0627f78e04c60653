"""The Celery tasks: ``run_step`` runs one attempt of one step; ``advance`` and ``reap`` keep
runs moving when no step completion does (a retry's delay passed, a worker vanished).

No task ever waits on another: a step's completion commits its outcome and publishes the
steps that became ready, all inside ``RunService``; a successor on this worker's own queues is
claimed in that same commit and run here next, without a round trip through the broker.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Collection
from typing import TYPE_CHECKING

from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded

from remedia.executor.attempt import Outcome, execute_attempt
from remedia.flows import StepContext

from .deferred_claim import DeferredClaim
from .publisher import ADVANCE, REAP, RUN_STEP
from .runtime import WorkerRuntime, runtime_for

if TYPE_CHECKING:
    from remedia.executor.store.attempts import Claim

logger = logging.getLogger("remedia.worker")


def run_one_step(
    runtime: WorkerRuntime,
    step_id: int,
    run_id: str | None = None,
    *,
    queues: Collection[str] = (),
) -> str:
    """Claim, execute and settle one delivery of a step, then each successor it made ready on
    ``queues`` (claimed when the step before it settled), until none is left or the delivery
    has run for ``continue_seconds``. Returns what happened, for logs.

    With ``claim_after_seconds``, the delivered step starts before its claim is committed
    (``DeferredClaim``); a successor is always claimed by the commit that made it ready.
    """
    service = runtime.service
    deferred, lost_start = _start_early(runtime, step_id, run_id)
    if deferred is not None:
        claim: Claim | None = deferred.claim
    else:
        claim = service.claim(step_id, run_id=run_id, lost_start=lost_start)
    if claim is None:
        return "stale"
    budget = service.settings.continue_seconds
    started = time.monotonic()
    endings: list[str] = []
    while claim is not None:
        outcome = _execute(runtime, claim, deferred)
        next_queues = queues if time.monotonic() - started < budget else ()
        if deferred is not None:
            settled, claim = deferred.settle(outcome, next_queues)
            deferred = None
        else:
            settled, claim = service.finish_and_continue(claim, outcome, queues=next_queues)
        endings.append(outcome.status if settled else "fenced")
    return endings[0] if len(endings) == 1 else f"{len(endings)} steps: {', '.join(endings)}"


def _start_early(
    runtime: WorkerRuntime, step_id: int, run_id: str | None
) -> tuple[DeferredClaim | None, tuple[str, int] | None]:
    """The delivered step, to run before its claim is committed (None: claim it first), and
    an earlier early start of it that was lost, for the claim to record."""
    from remedia.executor.store.attempts import this_worker  # needs Django set up

    service, reservations = runtime.service, runtime.reservations
    if run_id is None or reservations is None:
        return None, None
    early = service.claim_later(step_id, run_id)
    if early is None:
        return None, None
    reservation = reservations.reserve(step_id, this_worker(), early.attempt)
    if not reservation.granted:
        return None, reservation.lost_start
    claim = dataclasses.replace(early, started_at=time.time())
    return DeferredClaim(service, claim, reservations), None


def _execute(runtime: WorkerRuntime, claim: Claim, deferred: DeferredClaim | None) -> Outcome:
    """One attempt, with its heartbeat and progress writer around it."""
    if deferred is None:
        cancelled = runtime.heartbeat.watch(claim.step_id, claim.run_id, claim.attempt)
    else:
        cancelled = deferred.cancelled = runtime.heartbeat.watch(
            claim.step_id,
            claim.run_id,
            claim.attempt,
            commit=deferred.commit,
            commit_after=runtime.service.settings.claim_after_seconds,
        )
    progress = runtime.progress.for_step(claim.run_id, claim.node, claim.map_index, claim.attempt)
    ctx = StepContext(
        storage=runtime.service.storage,
        output_prefix=claim.output_prefix,
        run_id=claim.run_id,
        node_key=claim.node,
        map_index=claim.map_index,
        attempt=claim.attempt,
        report=lambda update: progress.report(update.done, update.total, update.message),
        is_cancelled=cancelled.is_set,
        throttle_seconds=0,
    )
    try:
        return _timed(
            claim.step.options.timeout, lambda: execute_attempt(claim.step, claim.inputs, ctx)
        )
    finally:
        runtime.heartbeat.unwatch(claim.step_id)
        progress.flush()


def _timed(timeout: float | None, call) -> Outcome:  # type: ignore[no-untyped-def]
    """Turn the soft time limit into a timeout outcome, whatever the step was doing."""
    try:
        outcome: Outcome = call()
    except SoftTimeLimitExceeded:
        outcome = Outcome("failed", error="SoftTimeLimitExceeded", error_code="exception")
    if outcome.error_code == "exception" and (outcome.error or "").startswith(
        "SoftTimeLimitExceeded"
    ):
        return Outcome("failed", error=f"timed out after {timeout or 0:g}s", error_code="timeout")
    return outcome


def register_tasks(app: Celery) -> None:
    """Add remedia's tasks to ``app``."""

    @app.task(name=RUN_STEP, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
    def run_step(step_id: int, run_id: str | None = None) -> str:
        queues = getattr(app, "remedia_queues", ())
        return run_one_step(runtime_for(app), step_id, run_id, queues=queues)

    @app.task(name=ADVANCE, ignore_result=True)
    def advance(run_id: str) -> None:
        runtime_for(app).service.advance(run_id)

    @app.task(name=REAP, ignore_result=True)
    def reap() -> dict[str, int]:
        from remedia.executor.store.reaper import Reaper

        runtime = runtime_for(app)
        return Reaper(runtime.service).reap().as_dict()
