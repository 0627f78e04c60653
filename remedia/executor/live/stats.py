"""WriteResult and LiveStats: what became of a live write, and how many failed.

A live write must never fail a step, so errors do not propagate: they are counted here and
logged once per outage (at the first failure and at the recovery), not once per report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

logger = logging.getLogger("remedia.live")


class WriteResult(StrEnum):
    WRITTEN = "written"
    # No snapshot for the run (Redis was flushed or the run expired): rebuild from the DB.
    NEEDS_REBUILD = "needs_rebuild"
    # Redis was unreachable or slow; the write was dropped.
    FAILED = "failed"


@dataclass
class LiveStats:
    """Counters of one publisher (one per process); cheap enough to bump on every write."""

    writes: int = 0
    failures: int = 0
    needs_rebuild: int = 0
    consecutive_failures: int = 0
    last_error: str | None = None

    def written(self, result: WriteResult) -> None:
        self.writes += 1
        if result == WriteResult.NEEDS_REBUILD:
            self.needs_rebuild += 1
        if self.consecutive_failures:
            logger.info("live writes recovered after %d failures", self.consecutive_failures)
            self.consecutive_failures = 0

    def failed(self, error: Exception) -> None:
        self.failures += 1
        self.consecutive_failures += 1
        self.last_error = f"{type(error).__name__}: {error}"
        if self.consecutive_failures == 1:
            logger.warning("live write dropped, Redis unavailable: %s", self.last_error)
        else:
            logger.debug("live write dropped: %s", self.last_error)
