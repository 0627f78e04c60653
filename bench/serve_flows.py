"""The flow bench/api_load.py watches: a step whose progress reports carry their call time.

The API's worker imports it through ``REMEDIA_FLOW_MODULES=bench.serve_flows``. Each report's
message is the ``time.time()`` of its ``ctx.progress`` call, so an SSE client on the same
machine reads the whole delay (throttle, Redis write, stream read, HTTP) off each event.
"""

from __future__ import annotations

import time

from pydantic import BaseModel, Field

from remedia.flows import Artifact, StepContext, flow, step


class Reports(BaseModel):
    reports: int = Field(default=100, ge=1, le=10_000)
    gap: float = Field(default=0.12, ge=0, le=10, description="Seconds between reports.")
    start_after: float = Field(default=1.0, ge=0, le=60, description="So watchers connect.")


@step
def report(
    ctx: StepContext, source: Artifact, reports: int, gap: float, start_after: float
) -> Artifact:
    """Reports ``reports`` times, ``gap`` apart (above the write throttle, so each is sent)."""
    time.sleep(start_after)
    for done in range(1, reports + 1):
        time.sleep(gap)
        ctx.progress(done, reports + 1, f"{time.time():.6f}")
    return ctx.save(ctx.open(source), suffix=source.suffix)


@flow("bench.progress_reports")
def progress_reports(source: Artifact, params: Reports) -> Artifact:
    """One step that reports progress at a steady pace."""
    return report(source, params.reports, params.gap, params.start_after)
