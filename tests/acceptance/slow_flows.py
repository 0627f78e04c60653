"""Flows for the command-line tests: one that runs until it is cancelled."""

from __future__ import annotations

import time

from pydantic import BaseModel, ConfigDict, Field

from remedia.flows import Artifact, StepContext, flow, step


class SlowParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(default=60.0, gt=0, le=600, description="How long the step works.")


@step
def slow_copy(ctx: StepContext, source: Artifact, seconds: float) -> Artifact:
    """Copies its input after ``seconds``, reporting progress all the while."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ctx.progress(seconds - (deadline - time.monotonic()), seconds, "working")
        time.sleep(0.01)
    return ctx.save(ctx.open(source), suffix=source.suffix)


@flow(name="test.slow_copy")
def slow_copy_flow(source: Artifact, params: SlowParams) -> Artifact:
    """A single step that takes its time, to be interrupted."""
    return slow_copy(source, params.seconds)
