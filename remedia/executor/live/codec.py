"""How snapshot fields and stream events are spelled in Redis (compact JSON).

One module owns the field names (``run``, ``step:<label>``, ``progress:<label>``) and the
JSON shapes, so the writing scripts, the reader and a rebuild cannot disagree.
"""

from __future__ import annotations

import json
from dataclasses import fields
from functools import cache
from typing import Any

from remedia.executor.states import RunState, StepState

from .views import ProgressReport, SnapshotRun, SnapshotStep, StateEvent

RUN_FIELD = "run"
STEP_PREFIX = "step:"
PROGRESS_PREFIX = "progress:"
# Bookkeeping fields of the snapshot hash, written by the scripts only.
SEQ_FIELD = "_seq"
GAP_FIELD = "_gap_since"
EVENT_FIELD = "e"


@cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _flat(view: Any) -> dict[str, Any]:
    """A view's fields as a dict; they are plain values, so ``asdict``'s deep copy of each
    (which cost more than the rest of a settlement's mirroring) is not needed."""
    return {name: getattr(view, name) for name in _names(type(view))}


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in data.items() if v is not None}, separators=(",", ":"))


def step_field(label: str) -> str:
    return STEP_PREFIX + label


def progress_field(label: str) -> str:
    return PROGRESS_PREFIX + label


def encode_run(run: SnapshotRun, seq: int) -> str:
    """The ``run`` field; ``seq`` lets a late, older write be refused."""
    return _dumps({**_flat(run), "state": run.state.value, "seq": seq})


def encode_step(step: SnapshotStep, seq: int) -> str:
    return _dumps({**_flat(step), "state": step.state.value, "seq": seq})


def encode_progress(report: ProgressReport) -> str:
    data = _flat(report)
    del data["node"], data["map_index"]
    return _dumps(data)


def encode_state_event(event: StateEvent) -> str:
    return _dumps(_flat(event))


def encode_progress_event(report: ProgressReport) -> str:
    return _dumps({"kind": "progress", **_flat(report)})


def _pick(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def decode_run(raw: str) -> SnapshotRun:
    data = _pick(SnapshotRun, json.loads(raw))
    return SnapshotRun(**{**data, "state": RunState(data["state"])})


def decode_step(raw: str) -> SnapshotStep:
    data = _pick(SnapshotStep, json.loads(raw))
    return SnapshotStep(**{**data, "state": StepState(data["state"])})


def decode_progress(raw: str) -> dict[str, Any]:
    return json.loads(raw)
