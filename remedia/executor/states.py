"""The run and step state machines: states, allowed transitions, terminal states.

The words follow Prefect's. Cancellation is a request flag on the run (``cancel_requested``),
not a state: steps observe it and end CANCELLED. Every state change in remedia goes through
``check_transition``; the executors' transition functions call it before they write.
"""

from __future__ import annotations

from enum import StrEnum


class RunState(StrEnum):
    SCHEDULED = "SCHEDULED"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    CRASHED = "CRASHED"


class StepState(StrEnum):
    PENDING = "PENDING"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    RETRYING = "RETRYING"
    COMPLETED = "COMPLETED"
    CACHED = "CACHED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    SKIPPED = "SKIPPED"


R, S = RunState, StepState

RUN_TERMINAL: frozenset[RunState] = frozenset({R.COMPLETED, R.FAILED, R.CANCELLED, R.CRASHED})

# A finished run that did not complete may be retried: it reopens as PENDING and only its
# failed, skipped and cancelled steps run again.
RUN_ALLOWED: dict[RunState, frozenset[RunState]] = {
    R.SCHEDULED: frozenset({R.PENDING, R.CANCELLED}),
    R.PENDING: frozenset({R.RUNNING, R.COMPLETED, R.FAILED, R.CANCELLED, R.CRASHED}),
    R.RUNNING: frozenset({R.COMPLETED, R.FAILED, R.CANCELLED, R.CRASHED}),
    R.COMPLETED: frozenset(),
    R.FAILED: frozenset({R.PENDING}),
    R.CANCELLED: frozenset({R.PENDING}),
    R.CRASHED: frozenset({R.PENDING}),
}

STEP_TERMINAL: frozenset[StepState] = frozenset(
    {S.COMPLETED, S.CACHED, S.FAILED, S.CANCELLED, S.SKIPPED}
)

# Output exists for these: downstream steps may start.
STEP_DONE: frozenset[StepState] = frozenset({S.COMPLETED, S.CACHED})

STEP_ALLOWED: dict[StepState, frozenset[StepState]] = {
    # CACHED straight from PENDING: a cache hit is found when the step becomes ready.
    # FAILED straight from PENDING: its inputs cannot be resolved (a map over a non-list).
    S.PENDING: frozenset({S.QUEUED, S.CACHED, S.SKIPPED, S.CANCELLED, S.FAILED}),
    S.QUEUED: frozenset({S.RUNNING, S.CANCELLED, S.FAILED}),
    # RUNNING -> QUEUED: the attempt was lost (worker died) and the step is sent again.
    S.RUNNING: frozenset({S.COMPLETED, S.FAILED, S.RETRYING, S.CANCELLED, S.QUEUED}),
    S.RETRYING: frozenset({S.QUEUED, S.CANCELLED, S.FAILED}),
    S.COMPLETED: frozenset(),
    S.CACHED: frozenset(),
    # A retried run sends its failed, skipped and cancelled steps round again.
    S.FAILED: frozenset({S.PENDING}),
    S.CANCELLED: frozenset({S.PENDING}),
    S.SKIPPED: frozenset({S.PENDING}),
}


class InvalidTransition(Exception):
    """A state change that the machine does not allow; names both states and the object."""

    def __init__(self, what: str, current: str, target: str) -> None:
        super().__init__(f"{what} cannot move from {current} to {target}")
        self.what = what
        self.current = current
        self.target = target


def check_run_transition(current: RunState, target: RunState, what: str = "run") -> None:
    if target not in RUN_ALLOWED[current]:
        raise InvalidTransition(what, current, target)


def check_step_transition(current: StepState, target: StepState, what: str = "step") -> None:
    if target not in STEP_ALLOWED[current]:
        raise InvalidTransition(what, current, target)
