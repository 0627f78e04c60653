"""RunKeys: the names of one run's Redis keys.

All keys of a run share the hash tag ``{run_id}``, so the one-script writes stay valid on a
Redis Cluster, and they all start with the configured prefix, so one Redis can serve several
deployments and test suites.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RunKeys:
    """The snapshot hash, the event stream and the hash of events held back for ordering."""

    snapshot: str
    stream: str
    held: str

    @classmethod
    def of(cls, prefix: str, run_id: str) -> RunKeys:
        base = f"{prefix}run:{{{run_id}}}"
        return cls(snapshot=f"{base}:snapshot", stream=f"{base}:events", held=f"{base}:held")

    def all(self) -> list[str]:
        return [self.snapshot, self.stream, self.held]
