"""Heartbeat: one thread per worker process that beats for the steps running in it.

The thread keeps its own database connection, writes ``heartbeat_at`` for each watched step
every ``interval`` seconds, and reads the run's cancel request on the same round trip, so a
step busy in C code (which releases the GIL) still beats and still learns of a cancel. A step
that finishes within one interval costs the database nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from django.db import close_old_connections, connection
from django.utils import timezone

from remedia.executor.states import StepState

from .models import FlowRun, StepRun

logger = logging.getLogger("remedia.executor.heartbeat")


@dataclass
class Watched:
    run_id: str
    attempt: int
    cancelled: threading.Event = field(default_factory=threading.Event)


class Heartbeat:
    """Beats for the attempts registered with ``watch`` until they are ``unwatch``-ed."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._watched: dict[int, Watched] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, step_id: int, run_id: str, attempt: int) -> threading.Event:
        """Start beating for an attempt; the returned event is set once its run is cancelled."""
        watched = Watched(run_id, attempt)
        with self._lock:
            self._watched[step_id] = watched
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="remedia-heartbeat", daemon=True
                )
                self._thread.start()
        return watched.cancelled

    def unwatch(self, step_id: int) -> None:
        with self._lock:
            self._watched.pop(step_id, None)

    def _loop(self) -> None:
        while True:
            self._wake.wait(self.interval)
            with self._lock:
                watched = dict(self._watched)
            if not watched:
                continue
            try:
                close_old_connections()
                self.beat(watched)
            except Exception:
                logger.exception("heartbeat failed; trying again in %.1fs", self.interval)
                connection.close()

    def beat(self, watched: dict[int, Watched]) -> None:
        now = timezone.now()
        for step_id, item in watched.items():
            StepRun.objects.filter(
                id=step_id, state=StepState.RUNNING, attempt=item.attempt
            ).update(heartbeat_at=now)
        run_ids = {item.run_id for item in watched.values()}
        cancelled = set(
            FlowRun.objects.filter(id__in=run_ids, cancel_requested_at__isnull=False).values_list(
                "id", flat=True
            )
        )
        for item in watched.values():
            if item.run_id in cancelled:
                item.cancelled.set()
