"""What the run store sends out besides its rows: step messages and live-store copies.

``RunService`` is given one of each; the Celery publisher and the Redis mirror implement
them, and tests pass their own (a publisher that records, one whose broker is down).
"""

from __future__ import annotations

from typing import Protocol

from .models import FlowRunEvent
from .persist import LoadedRun


class Publisher(Protocol):
    """Sends step messages; implemented over Celery."""

    def publish_step(
        self, step_id: int, run_id: str, queue: str, timeout: float | None = None
    ) -> None: ...

    def schedule_advance(self, run_id: str, countdown: float) -> None: ...


class Mirror(Protocol):
    """Copies committed changes to the live store (Redis)."""

    def publish(self, loaded: LoadedRun, events: list[FlowRunEvent]) -> None: ...
