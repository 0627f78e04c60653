"""Live progress in Redis: a run's snapshot for one-round-trip reads, and its event stream.

The database is the source of truth; everything here is written after a commit, may be lost
at any moment, and is rebuilt from the database's view of a run. Nothing here imports Django
or Celery: the executor fills the plain views below from its models.
"""

from .connection import RedisTooOld, check_server, connect
from .keys import RunKeys
from .progress import ProgressWriter, StepProgress
from .publisher import LivePublisher
from .reader import LiveReader, StreamEvent
from .settings import LiveSettings
from .snapshot import RunSnapshot
from .stats import LiveStats, WriteResult
from .views import (
    ProgressReport,
    RunView,
    SnapshotRun,
    SnapshotStep,
    StateEvent,
    Transition,
    step_label,
)

__all__ = [
    # what the executor fills from its models
    "RunView",
    "SnapshotRun",
    "SnapshotStep",
    "StateEvent",
    "Transition",
    "step_label",
    # writing
    "LivePublisher",
    "ProgressWriter",
    "StepProgress",
    "ProgressReport",
    "WriteResult",
    "LiveStats",
    # reading
    "LiveReader",
    "RunSnapshot",
    "StreamEvent",
    # wiring
    "LiveSettings",
    "RunKeys",
    "connect",
    "check_server",
    "RedisTooOld",
]
