"""Heartbeat: one thread per worker process that beats for the steps running in it.

The thread keeps its own database connection, writes ``heartbeat_at`` for each watched step
every ``interval`` seconds, and reads the run's cancel request on the same round trip, so a
step busy in C code (which releases the GIL) still beats and still learns of a cancel. A step
that finishes within one interval costs the database nothing.

A step that started before its claim was committed (``DeferredClaim``) is watched with a
``commit`` to call once it has run for ``commit_after`` seconds: the thread commits the claim
then, so a step that runs for a while shows RUNNING and gets beaten for like any other.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
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
    # Set for a step running before its claim was committed: called once, when ``due``.
    commit: Callable[[], None] | None = None
    due: float = 0.0


class Heartbeat:
    """Beats for the attempts registered with ``watch`` until they are ``unwatch``-ed."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._watched: dict[int, Watched] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(
        self,
        step_id: int,
        run_id: str,
        attempt: int,
        *,
        commit: Callable[[], None] | None = None,
        commit_after: float = 0.0,
    ) -> threading.Event:
        """Start beating for an attempt; the returned event is set once its run is cancelled.

        ``commit``, if given, is called on this thread once the attempt has been watched for
        ``commit_after`` seconds, unless it was unwatched first."""
        watched = Watched(run_id, attempt, commit=commit, due=time.monotonic() + commit_after)
        with self._lock:
            self._watched[step_id] = watched
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="remedia-heartbeat", daemon=True
                )
                self._thread.start()
        if commit is not None:
            self._wake.set()  # the next wake-up may now be sooner
        return watched.cancelled

    def unwatch(self, step_id: int) -> None:
        with self._lock:
            self._watched.pop(step_id, None)

    def _next_wait(self) -> float:
        with self._lock:
            dues = [w.due for w in self._watched.values() if w.commit is not None]
        return max(0.0, min([self.interval, *(due - time.monotonic() for due in dues)]))

    def _loop(self) -> None:
        last_beat = time.monotonic()
        while True:
            self._wake.wait(self._next_wait())
            self._wake.clear()
            try:
                close_old_connections()
                self._commit_due()
                if time.monotonic() - last_beat >= self.interval:
                    last_beat = time.monotonic()
                    with self._lock:
                        watched = dict(self._watched)
                    if watched:
                        self.beat(watched)
            except Exception:
                logger.exception("heartbeat failed; trying again in %.1fs", self.interval)
                connection.close()

    def _commit_due(self) -> None:
        """Call the commits that are due, each once."""
        now = time.monotonic()
        with self._lock:
            due = [w for w in self._watched.values() if w.commit is not None and w.due <= now]
        for watched in due:
            commit, watched.commit = watched.commit, None
            if commit is None:
                continue
            try:
                commit()
            except Exception:
                watched.commit, watched.due = commit, time.monotonic() + self.interval
                raise

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
