"""RunTransactions: one locked transaction around a change to a run, then its messages and mirror.

Every ``RunService`` operation but submit is a function of the run as it is now: lock the run's
row, change its RunRecord through the shared ``Advancer`` (the same code the local executor
runs), write the changes with compare-and-set, publish the steps that became QUEUED, and after
the commit mirror the events to Redis. A crash between the commit and the publish leaves QUEUED
steps with no ``published_at``, which the reaper publishes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from remedia.executor.advance import Advancer
from remedia.executor.cache import StepCache
from remedia.executor.plan import StepKey
from remedia.executor.records import RunRecord, StepRecord
from remedia.executor.settings import ExecutorSettings
from remedia.executor.states import StepState
from remedia.flows import Catalogue

from .models import FlowRunEvent, StepRun
from .outbound import Mirror, Publisher, StepMessage
from .persist import LoadedRun, load_kept_run, load_run, remember, save_run
from .writes import ConcurrentUpdate

logger = logging.getLogger("remedia.executor")
S = StepState
T = TypeVar("T")
TRANSACTION_TRIES = 8


class RunTransactions:
    """Run a change to one run in a locked transaction, publish what it queued, mirror it."""

    def __init__(
        self,
        *,
        catalogue: Catalogue,
        cache: StepCache | None,
        publisher: Publisher,
        mirror: Mirror | None,
        settings: ExecutorSettings,
    ) -> None:
        self.catalogue = catalogue
        self.cache = cache
        self.publisher = publisher
        self.mirror = mirror
        self._relaxed_commit = (
            not settings.synchronous_step_commit and connection.vendor == "postgresql"
        )
        # SQLite's transactions take the database's write lock as they begin (BEGIN
        # IMMEDIATE), and its reads cost no round trip: there the run is always read.
        self._kept_runs = connection.vendor == "postgresql"

    def queue_of(self, run: RunRecord) -> Callable[[StepRecord], str]:
        return lambda step: self.catalogue.step(run.dag.node(step.node).step).options.queue

    def change(
        self,
        run_id: str,
        change: Callable[[LoadedRun, Advancer], T],
        *,
        extra: Callable[[], dict[StepKey, dict[str, Any]]] | None = None,
        take: Callable[[LoadedRun, Advancer, list[StepKey]], list[StepKey]] | None = None,
        step_commit: bool = False,
    ) -> T:
        """One locked transaction around ``change``, then the publishing and mirroring.

        ``change`` may run more than once (after a conflict), so it starts from scratch each
        time. ``take`` sees the steps that became QUEUED and returns those left to publish (it
        may claim one for this worker to run next). Steps are published before the commit,
        while the run row is locked: a worker that receives one claims it by locking the same
        row, so it waits for this commit and sees the step QUEUED, and ``published_at`` is
        written in this transaction instead of a second one. If the commit fails, the message
        finds its step not QUEUED and is dropped.

        ``step_commit`` marks a step's own transaction (a claim, a settlement, a lost-worker
        verdict), which ``ExecutorSettings.synchronous_step_commit`` may let PostgreSQL commit
        without waiting for its WAL flush; submits, cancels and retries always wait.
        """
        for attempt in range(TRANSACTION_TRIES):
            kept: LoadedRun | None = None
            try:
                with transaction.atomic():
                    # First from what this thread kept, locked and checked by the writes'
                    # round trip; after a conflict (or with nothing kept), locked and read.
                    kept = load_kept_run(run_id) if attempt == 0 and self._kept_runs else None
                    loaded = kept or load_run(run_id)
                    if step_commit and self._relaxed_commit:
                        # Sent with the transaction's writes: it holds until the commit.
                        loaded.writes.setting("SET LOCAL synchronous_commit = off")
                    advancer = Advancer(self.catalogue, self.cache, loaded.listen)
                    result = change(loaded, advancer)
                    queued = [*advancer.advance(loaded.record), *loaded.to_publish]
                    if take is not None:
                        queued = take(loaded, advancer, queued)
                    step_extra = extra() if extra else {}
                    now = timezone.now()
                    for key in queued:
                        step_extra[key] = {**step_extra.get(key, {}), "published_at": now}
                    events = save_run(
                        loaded, queue_of=self.queue_of(loaded.record), step_extra=step_extra
                    )
                    rows = [loaded.step_rows[key] for key in queued]
                    self.publish(self.messages(loaded, rows), mark_published=False)
                    self.after_commit(loaded, events)
                return result
            except ConcurrentUpdate:
                logger.info("run %s changed concurrently; trying again", run_id)
            except OperationalError as exc:
                if kept is None and ("locked" not in str(exc) or attempt == TRANSACTION_TRIES - 1):
                    raise
            except Exception:
                if kept is None:
                    raise
                # Decided on a kept view that may be out of date (a transition it forbids, say):
                # only the run as read under its lock may raise.
                logger.info("run %s: what this thread kept was out of date; reading it", run_id)
        raise ConcurrentUpdate(f"run {run_id} kept changing under {TRANSACTION_TRIES} tries")

    def after_commit(self, loaded: LoadedRun, events: list[FlowRunEvent]) -> None:
        """Mirror the committed events and keep the rows for this thread's next change."""
        transaction.on_commit(partial(self._mirror, loaded, events))
        transaction.on_commit(partial(remember, loaded))

    def messages(self, loaded: LoadedRun, rows: list[StepRun]) -> list[StepMessage]:
        """The ``run_step`` messages of ``rows``, steps of ``loaded``."""
        dag = loaded.record.dag
        return [
            StepMessage(
                row.id,
                row.run_id,
                row.queue,
                self.catalogue.step(dag.node(row.node).step).options.timeout,
            )
            for row in rows
        ]

    def publish(self, messages: list[StepMessage], *, mark_published: bool = True) -> None:
        """Send the messages; the reaper sends any whose publish failed.

        ``mark_published`` records ``published_at`` for those sent; without it, the caller has
        written ``published_at`` already and it is cleared for those that failed.
        """
        if not messages:
            return
        failed = set(self.publisher.publish_steps(messages))
        if failed:
            logger.error("%d step message(s) not sent; the reaper will send them", len(failed))
        if mark_published:
            published = [m.step_id for m in messages if m.step_id not in failed]
            if published:
                StepRun.objects.filter(id__in=published, state=S.QUEUED).update(
                    published_at=timezone.now()
                )
        elif failed:
            StepRun.objects.filter(id__in=failed).update(published_at=None)

    def _mirror(self, loaded: LoadedRun, events: list[FlowRunEvent]) -> None:
        if self.mirror is None:
            return
        try:
            self.mirror.publish(loaded, events)
        except Exception:
            logger.exception("mirroring run %s to the live store failed", loaded.row.id)
