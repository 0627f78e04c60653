"""ProgressWriter and StepProgress: within-step progress, coalesced and throttled.

A step may report on every row of an image; each report must cost about as much as a
function call. So a report only stores the latest value unless the step's write deadline has
passed, and a write happens on the next report after the deadline, without a thread: the
final report (done >= total) and ``flush()`` write at once, so the last value always arrives.
The executor flushes when the attempt ends, before it commits the step's outcome.

After a failed write the deadline moves ``failure_backoff_ms`` ahead and the value stays
pending, so an outage costs the step one fast failure per backoff, never a raised error.
A StepProgress belongs to the thread that runs its step.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable

from .publisher import LivePublisher
from .stats import WriteResult
from .views import ProgressReport

Pending = tuple[float, float | None, str | None]


class StepProgress:
    """The progress of one attempt of one step run."""

    __slots__ = (
        "__weakref__",
        "_backoff",
        "_clock",
        "_interval",
        "_next_at",
        "_pending",
        "attempt",
        "map_index",
        "node",
        "publisher",
        "run_id",
    )

    def __init__(
        self,
        publisher: LivePublisher,
        run_id: str,
        node: str,
        map_index: int | None,
        attempt: int,
        *,
        interval_s: float,
        backoff_s: float,
        clock: Callable[[], float],
    ) -> None:
        self.publisher = publisher
        self.run_id = run_id
        self.node = node
        self.map_index = map_index
        self.attempt = attempt
        self._interval = interval_s
        self._backoff = backoff_s
        self._clock = clock
        self._next_at = float("-inf")
        self._pending: Pending | None = None

    def report(self, done: float, total: float | None = None, message: str | None = None) -> None:
        """Record progress (the ``ctx.progress`` signature); writes at most once per interval."""
        if total is None or done < total:
            now = self._clock()
            if now < self._next_at:
                self._pending = (done, total, message)
                return
        self._write((done, total, message))

    def flush(self) -> WriteResult | None:
        """Write the pending value now, if any; None when there was nothing to write."""
        if self._pending is None:
            return None
        return self._write(self._pending)

    def _write(self, value: Pending) -> WriteResult:
        done, total, message = value
        fraction = None if not total else max(0.0, min(1.0, done / total))
        report = ProgressReport(
            node=self.node,
            map_index=self.map_index,
            attempt=self.attempt,
            fraction=fraction,
            message=message,
            done=done,
            total=total,
            at=time.time(),
        )
        result = self.publisher.write_progress(self.run_id, report)
        if result == WriteResult.FAILED:
            self._pending = value
            self._next_at = self._clock() + max(self._interval, self._backoff)
        else:
            self._pending = None
            self._next_at = self._clock() + self._interval
        return result


class ProgressWriter:
    """One per process: makes a StepProgress per attempt and can flush them all."""

    def __init__(
        self,
        publisher: LivePublisher,
        *,
        interval_ms: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        settings = publisher.settings
        self.publisher = publisher
        interval = settings.progress_interval_ms if interval_ms is None else interval_ms
        self._interval_s = interval / 1000
        self._backoff_s = settings.failure_backoff_ms / 1000
        self._clock = clock
        self._open: weakref.WeakSet[StepProgress] = weakref.WeakSet()

    def for_step(
        self, run_id: str, node: str, map_index: int | None = None, attempt: int = 1
    ) -> StepProgress:
        step = StepProgress(
            self.publisher,
            run_id,
            node,
            map_index,
            attempt,
            interval_s=self._interval_s,
            backoff_s=self._backoff_s,
            clock=self._clock,
        )
        self._open.add(step)
        return step

    def flush(self) -> None:
        """Write every step's pending value (e.g. from a heartbeat, or at worker shutdown)."""
        for step in list(self._open):
            step.flush()
