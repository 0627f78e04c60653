"""The plain data the executor hands to live progress: what the database says about a run.

These are the interface between the executor's models and Redis. The executor fills them from
its rows after a commit (or when rebuilding); nothing here knows about Django. Times are epoch
seconds (``time.time()``), as in ``records``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from remedia.executor.states import RunState, StepState

StateEventKind = Literal["run", "step"]


def step_label(node: str, map_index: int | None) -> str:
    """The name of a step run in snapshots and events: ``node`` or ``node[3]`` for a branch."""
    return node if map_index is None else f"{node}[{map_index}]"


@dataclass(frozen=True)
class SnapshotRun:
    """The run row: what the API shows at the top of a run page."""

    run_id: str
    state: RunState
    error: str | None = None
    cancel_requested: bool = False
    created_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None


@dataclass(frozen=True)
class SnapshotStep:
    """One step run row (node key + map index). ``fraction``/``message`` are the values the
    database holds; live progress reports are kept apart and merged on read."""

    node: str
    state: StepState
    map_index: int | None = None
    attempt: int = 0
    fraction: float | None = None
    message: str | None = None
    error: str | None = None
    error_code: str | None = None
    started_at: float | None = None
    finished_at: float | None = None

    @property
    def label(self) -> str:
        return step_label(self.node, self.map_index)


@dataclass(frozen=True)
class StateEvent:
    """One committed event row. ``seq`` is its per-run sequence number (1, 2, 3...) and becomes
    the stream id ``<seq>-0``, so a rebuilt stream has the ids clients already hold."""

    seq: int
    kind: StateEventKind
    state: str
    node: str | None = None
    map_index: int | None = None
    attempt: int | None = None
    message: str | None = None
    at: float | None = None

    def __post_init__(self) -> None:
        if self.seq < 1:
            raise ValueError(f"event seq must be 1 or more, got {self.seq}")
        if self.kind == "step" and self.node is None:
            raise ValueError(f"step event {self.seq} has no node")

    @property
    def label(self) -> str | None:
        return None if self.node is None else step_label(self.node, self.map_index)


@dataclass(frozen=True)
class Transition:
    """One committed event and the row it changed (the run, a step, or neither)."""

    event: StateEvent
    run: SnapshotRun | None = None
    step: SnapshotStep | None = None


@dataclass(frozen=True)
class RunView:
    """Everything the database knows that the snapshot shows, for a rebuild."""

    run: SnapshotRun
    steps: Sequence[SnapshotStep] = ()
    events: Sequence[StateEvent] = field(default_factory=tuple)


@dataclass(frozen=True)
class ProgressReport:
    """One within-step progress value, as a step reported it."""

    node: str
    map_index: int | None
    attempt: int
    fraction: float | None
    message: str | None
    done: float
    total: float | None
    at: float

    @property
    def label(self) -> str:
        return step_label(self.node, self.map_index)
