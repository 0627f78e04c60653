"""Flows for the tests over HTTP: progress reports to watch, and a silence to wait through."""

from __future__ import annotations

import time

from pydantic import BaseModel, ConfigDict, Field

from remedia.flows import Artifact, StepContext, flow, step


class TickerParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ticks: int = Field(default=20, ge=1, le=1000, description="Progress reports per step.")
    pause: float = Field(default=0.0, ge=0, le=60, description="Silence before the reports.")


@step
def tick(ctx: StepContext, source: Artifact, ticks: int, pause: float) -> Artifact:
    """After ``pause`` (cut short by a cancel), reports ``ticks`` progress values."""
    quiet_until = time.monotonic() + pause
    while time.monotonic() < quiet_until and not ctx.cancelled():
        time.sleep(0.05)
    for done in range(1, ticks + 1):
        ctx.progress(done, ticks, f"tick {done}")
        time.sleep(0.005)
    return ctx.save(ctx.open(source), suffix=source.suffix)


@flow(name="test.ticker")
def ticker(source: Artifact, params: TickerParams) -> Artifact:
    """Two ticking steps one after the other, so the stream holds state and progress events."""
    first = tick(source, params.ticks, params.pause)
    return tick(first, params.ticks, 0.0)
