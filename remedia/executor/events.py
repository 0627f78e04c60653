"""RunEvent: one numbered change of a run (a state, a progress report), for watchers."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

EventKind = Literal["run", "step", "progress"]


@dataclass(frozen=True)
class RunEvent:
    run_id: str
    kind: EventKind
    state: str | None = None
    node: str | None = None
    map_index: int | None = None
    attempt: int | None = None
    fraction: float | None = None
    message: str | None = None
    at: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}
