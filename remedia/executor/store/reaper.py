"""Reaper: finds what a crash stranded and sets it moving again.

- QUEUED steps whose message was never published (a crash after commit), or whose message
  has been waiting so long it was likely lost (a flushed Redis broker): published again;
- RUNNING steps nobody beats for (the worker died): re-queued, or FAILED once lost attempts
  are spent; RUNNING steps past their timeout (a pool that cannot enforce it): timed out;
- RETRYING steps whose delay passed, and cancelled runs with nothing left running: advanced.

Every action goes through RunService, so running two reapers at once is harmless.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass

from django.utils import timezone

from remedia.executor.states import RUN_TERMINAL, StepState

from .attempts import holder_is_alive
from .models import FlowRun, StepRun
from .service import RunService

logger = logging.getLogger("remedia.reaper")
S = StepState
BATCH = 500


@dataclass
class ReapReport:
    published: int = 0
    lost: int = 0
    timed_out: int = 0
    advanced: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Reaper:
    def __init__(self, service: RunService) -> None:
        self.service = service
        self.settings = service.settings

    def reap(self) -> ReapReport:
        report = ReapReport()
        now = timezone.now()
        self._publish_stranded(now, report)
        self._recover_running(now, report)
        self._advance_due(now, report)
        if any(asdict(report).values()):
            logger.info("reaper: %s", report)
        return report

    def _publish_stranded(self, now: dt.datetime, report: ReapReport) -> None:
        grace = dt.timedelta(seconds=self.settings.publish_grace_seconds)
        again = dt.timedelta(seconds=self.settings.republish_after_seconds)
        unpublished = StepRun.objects.filter(
            state=S.QUEUED, published_at__isnull=True, queued_at__lt=now - grace
        )
        stale = StepRun.objects.filter(state=S.QUEUED, published_at__lt=now - again)
        for query in (unpublished, stale):
            for row in query.select_related("run")[:BATCH]:
                definition = self.service.catalogue.step(_node_step(row))
                # Marked first: a worker may claim the step as soon as it is published, and a
                # mark written after that would find it no longer QUEUED.
                if not StepRun.objects.filter(id=row.id, state=S.QUEUED).update(published_at=now):
                    continue
                try:
                    self.service.publisher.publish_step(
                        row.id, row.run_id, row.queue, definition.options.timeout
                    )
                except Exception:
                    StepRun.objects.filter(id=row.id).update(published_at=row.published_at)
                    raise
                report.published += 1

    def _recover_running(self, now: dt.datetime, report: ReapReport) -> None:
        lease = dt.timedelta(seconds=self.settings.lease_seconds)
        silent = StepRun.objects.filter(state=S.RUNNING, heartbeat_at__lt=now - lease)
        for row in silent[:BATCH]:
            if holder_is_alive(row.worker, heartbeat_fresh=False):
                continue
            seconds = (now - row.heartbeat_at).total_seconds() if row.heartbeat_at else 0
            self.service.lose_attempt(
                row.id,
                f"no heartbeat from {row.worker} for {seconds:.0f}s",
                "worker_lost",
                attempt=row.attempt,
            )
            report.lost += 1
        grace = dt.timedelta(seconds=self.settings.timeout_grace_seconds)
        overdue = StepRun.objects.filter(state=S.RUNNING, deadline_at__lt=now - grace)
        for row in overdue[:BATCH]:
            self.service.lose_attempt(
                row.id,
                "timed out and was not stopped by its worker",
                "timeout",
                attempt=row.attempt,
            )
            report.timed_out += 1

    def _advance_due(self, now: dt.datetime, report: ReapReport) -> None:
        due = set(
            StepRun.objects.filter(state=S.RETRYING, not_before__lte=now).values_list(
                "run_id", flat=True
            )[:BATCH]
        )
        cancelling = FlowRun.objects.filter(cancel_requested_at__isnull=False).exclude(
            state__in=[s.value for s in RUN_TERMINAL]
        )
        due |= set(cancelling.values_list("id", flat=True)[:BATCH])
        for run_id in due:
            self.service.advance(run_id)
            report.advanced += 1


def _node_step(row: StepRun) -> str:
    for node in row.run.dag["nodes"]:
        if node["key"] == row.node:
            return node["step"]
    raise KeyError(f"run {row.run_id} has no node {row.node!r}")
