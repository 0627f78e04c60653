"""RunSnapshot: a run as the API shows it, merged from the fields of its snapshot hash.

State and progress are stored in separate fields so that neither write has to read the other;
merging happens here, on read. A progress report counts only for the attempt it came from and
only while the step has not completed (a COMPLETED step is at 1.0 whatever was last reported).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from remedia.executor.states import STEP_DONE

from . import codec
from .views import SnapshotRun, SnapshotStep


@dataclass(frozen=True)
class RunSnapshot:
    """The run, its step runs by label (``node`` or ``node[i]``), and the stream position.

    ``last_event_id`` is the id of the newest event in the stream when the snapshot was read:
    a client that shows this snapshot and then reads events after that id misses nothing.
    """

    run: SnapshotRun
    steps: dict[str, SnapshotStep] = field(default_factory=dict)
    seq: int = 0
    last_event_id: str = "0"

    def to_json(self) -> dict[str, Any]:
        return {
            "run": {**asdict(self.run), "state": self.run.state.value},
            "steps": {
                label: {**asdict(step), "state": step.state.value}
                for label, step in self.steps.items()
            },
            "seq": self.seq,
            "last_event_id": self.last_event_id,
        }


def merge_snapshot(fields: dict[str, str], last_event_id: str) -> RunSnapshot | None:
    """The snapshot held in one HGETALL reply, or None when it is missing or incomplete."""
    raw_run = fields.get(codec.RUN_FIELD)
    if raw_run is None:
        return None
    steps: dict[str, SnapshotStep] = {}
    for name, raw in fields.items():
        if name.startswith(codec.STEP_PREFIX):
            step = codec.decode_step(raw)
            steps[step.label] = _with_progress(step, fields)
    return RunSnapshot(
        run=codec.decode_run(raw_run),
        steps=dict(sorted(steps.items())),
        seq=int(fields.get(codec.SEQ_FIELD, 0)),
        last_event_id=last_event_id,
    )


def _with_progress(step: SnapshotStep, fields: dict[str, str]) -> SnapshotStep:
    raw = fields.get(codec.progress_field(step.label))
    if raw is None or step.state in STEP_DONE:
        return step
    progress = codec.decode_progress(raw)
    if progress.get("attempt") != step.attempt:
        return step
    return replace(step, fraction=progress.get("fraction"), message=progress.get("message"))
