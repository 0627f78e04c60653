"""What the run store sends out besides its rows: step messages and live-store copies.

``RunService`` is given one of each; the Celery publisher and the Redis mirror implement
them, and tests pass their own (a publisher that records, one whose broker is down).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # importable before Django is set up, by publishers that subclass these
    from .models import FlowRunEvent
    from .persist import LoadedRun

logger = logging.getLogger("remedia.executor")


@dataclass(frozen=True)
class StepMessage:
    """What a ``run_step`` message says: which step, of which run, on which queue."""

    step_id: int
    run_id: str
    queue: str
    timeout: float | None = None


class Publisher(Protocol):
    """Sends step messages; implemented over Celery."""

    def publish_step(
        self, step_id: int, run_id: str, queue: str, timeout: float | None = None
    ) -> None: ...

    def publish_steps(self, messages: Sequence[StepMessage]) -> list[int]:
        """Send every message; returns the steps whose message may not have reached the
        broker (the reaper sends those again). One by one, unless a publisher does better."""
        failed = []
        for message in messages:
            try:
                self.publish_step(message.step_id, message.run_id, message.queue, message.timeout)
            except Exception:
                logger.exception("publishing step %s failed", message.step_id)
                failed.append(message.step_id)
        return failed

    def schedule_advance(self, run_id: str, countdown: float) -> None: ...


class Mirror(Protocol):
    """Copies committed changes to the live store (Redis)."""

    def publish(self, loaded: LoadedRun, events: list[FlowRunEvent]) -> None: ...
