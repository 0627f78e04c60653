"""The shapes of runs in requests and responses: what the UI's generated client types say."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from remedia.executor.states import RunState, StepState

from .dags import DagOut


class ArtifactOut(Schema):
    """A file a run took or made; download it from ``url`` (Range requests work)."""

    id: str
    name: str
    media_type: str
    size: int
    digest: str
    url: str


class StepRunOut(Schema):
    """One step run (a node, or one branch of a map node) and how far it got."""

    label: str = Field(description="The node key, or key[index] for a branch of a map node.")
    node: str
    step: str
    map_index: int | None
    state: StepState
    attempt: int
    fraction: float | None = Field(description="Progress of the current attempt, 0 to 1.")
    message: str | None
    error: str | None
    error_code: str | None
    started_at: datetime | None
    finished_at: datetime | None
    outputs: list[ArtifactOut]


class RunSummary(Schema):
    """A run as the runs list shows it."""

    id: str
    flow: str
    version: int
    state: RunState
    owner: str | None
    asset_id: str | None
    error: str | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: float = Field(
        ge=0,
        le=1,
        description="The share of the run's work done, 0 to 1: each of its steps (branches of "
        "a map node aside) counts 1 once finished and its live progress while running; a "
        "finished run is 1.",
    )


class RunOut(RunSummary):
    """A run with its parameters, DAG, every step run, outputs and the stream position.

    Open ``GET /runs/{id}/events`` with ``Last-Event-ID: <last_event_id>`` to follow it from
    exactly this state.
    """

    params: dict[str, Any]
    dag: DagOut
    steps: list[StepRunOut]
    inputs: dict[str, ArtifactOut]
    outputs: dict[str, ArtifactOut]
    last_event_id: str


class RunPage(Schema):
    """One page of runs, newest first; pass ``next_cursor`` as ``cursor`` for the next."""

    items: list[RunSummary]
    next_cursor: str | None


class RunSubmit(Schema):
    """What to run: a flow (its newest version unless ``version``), an asset, parameters."""

    flow: str = Field(min_length=1, max_length=200, examples=["image.correct"])
    version: int | None = Field(default=None, ge=1)
    asset_id: str = Field(min_length=1, max_length=64)
    params: dict[str, Any] = Field(default_factory=dict)
