"""StepContext: what a running step may do besides compute: report, read, write, stop.

The executor builds one per attempt and injects where progress goes and how cancellation is
observed, so a step runs the same in-process, in a Celery worker or in a test.
"""

from __future__ import annotations

import logging
import mimetypes
import shutil
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from remedia.storage import Storage

from .artifact import Artifact
from .errors import StepCancelled

logger = logging.getLogger("remedia.step")

DEFAULT_THROTTLE_SECONDS = 0.1

mimetypes.add_type("image/webp", ".webp")
mimetypes.add_type("application/x-npy", ".npy")


@dataclass(frozen=True)
class ProgressUpdate:
    """One progress report from a step: a fraction in [0, 1] (or None if unknown) and a message."""

    fraction: float | None
    message: str | None
    done: float
    total: float | None


Writer = Callable[[Path], None]


class StepContext:
    """Passed to every step function as its first argument."""

    def __init__(
        self,
        *,
        storage: Storage,
        output_prefix: str,
        run_id: str = "",
        node_key: str = "",
        map_index: int | None = None,
        attempt: int = 1,
        report: Callable[[ProgressUpdate], None] | None = None,
        is_cancelled: Callable[[], bool] | None = None,
        throttle_seconds: float = DEFAULT_THROTTLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.storage = storage
        self.output_prefix = output_prefix.rstrip("/")
        self.run_id = run_id
        self.node_key = node_key
        self.map_index = map_index
        self.attempt = attempt
        self._report = report
        self._is_cancelled = is_cancelled or (lambda: False)
        self._throttle = throttle_seconds
        self._clock = clock
        self._last_report = float("-inf")
        self._resources = ExitStack()
        where = node_key if map_index is None else f"{node_key}[{map_index}]"
        self.log = logging.LoggerAdapter(logger, {"run_id": run_id, "step": where})

    def progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        """Report progress; cheap to call often, since reports are throttled.

        Raises StepCancelled when the run was asked to cancel, so a step that reports progress
        stops at its next report without any code of its own.
        """
        if self._is_cancelled():
            raise StepCancelled(f"run {self.run_id} was cancelled")
        now = self._clock()
        finished = total is not None and done >= total
        if not finished and now - self._last_report < self._throttle:
            return
        self._last_report = now
        if self._report is not None:
            fraction = None if not total else max(0.0, min(1.0, done / total))
            self._report(ProgressUpdate(fraction, message, done, total))

    def cancelled(self) -> bool:
        """True once the run was asked to cancel; long steps should check it and return early."""
        return self._is_cancelled()

    def open(self, artifact: Artifact) -> Path:
        """A local path to read the artifact from, valid until the step returns."""
        return self._resources.enter_context(self.storage.local_path(artifact.key))

    def save(
        self,
        data: bytes | Path | Writer,
        *,
        name: str = "output",
        suffix: str = "",
        media_type: str | None = None,
        display_name: str | None = None,
    ) -> Artifact:
        """Store a step output under this step's deterministic key and return its Artifact.

        ``data`` is bytes, a local file to copy, or a function that writes to the path it is
        given. The object appears under its key only when complete, and not at all if the run
        was cancelled meanwhile.
        """
        key = f"{self.output_prefix}/{name}{suffix}"
        with self.storage.writer(key, suffix) as pending:
            if callable(data):
                data(pending.path)
            elif isinstance(data, bytes | bytearray):
                pending.path.write_bytes(data)
            else:
                shutil.copyfile(data, pending.path)
            if self._is_cancelled():
                raise StepCancelled(f"run {self.run_id} was cancelled")
        stored = pending.stored
        assert stored is not None
        guessed = mimetypes.guess_type(f"x{suffix}")[0]
        return Artifact(
            key=stored.key,
            digest=stored.digest,
            size=stored.size,
            media_type=media_type or guessed or "application/octet-stream",
            name=display_name,
        )

    def close(self) -> None:
        """Release local copies opened with ``open``; the executor calls this after the step."""
        self._resources.close()
