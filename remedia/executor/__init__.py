"""Running flows: the state machines, the advancement plan, and the local executor."""

from .events import RunEvent
from .local import LocalExecutor, LocalRun
from .records import RunRecord, StepRecord
from .states import (
    RUN_ALLOWED,
    RUN_TERMINAL,
    STEP_ALLOWED,
    STEP_TERMINAL,
    InvalidTransition,
    RunState,
    StepState,
)

__all__ = [
    "RUN_ALLOWED",
    "RUN_TERMINAL",
    "STEP_ALLOWED",
    "STEP_TERMINAL",
    "InvalidTransition",
    "LocalExecutor",
    "LocalRun",
    "RunEvent",
    "RunRecord",
    "RunState",
    "StepRecord",
    "StepState",
]
