"""Flows for the fault tests: steps that wait to be killed, kill themselves, or take their time.

Workers import this module by name (it is in the suite's FLOW_MODULES); every flow registers
as ``test.fault.*``. A step that must be found while it runs writes a marker file into the
``workdir`` the flow takes as a parameter, so the test can wait for it.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from pydantic import BaseModel

from remedia.flows import Artifact, StepContext, flow, step

#: How long a step waits to be interrupted before it gives up and finishes anyway.
HOLD_SECONDS = 30.0


class Scratch(BaseModel):
    workdir: str


class Slow(Scratch):
    seconds: float


def _copy(ctx: StepContext, source: Artifact, tag: bytes) -> Artifact:
    return ctx.save(ctx.open(source).read_bytes() + tag, suffix=".txt")


@step
def doomed_once(ctx: StepContext, text: Artifact, workdir: str) -> Artifact:
    """The first attempt announces itself and waits to be killed; later attempts just work."""
    if ctx.attempt == 1:
        (Path(workdir) / f"{ctx.run_id}.started").touch()
        deadline = time.monotonic() + HOLD_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.01)
    return _copy(ctx, text, b" survived")


@step
def seal(ctx: StepContext, text: Artifact, workdir: str) -> Artifact:
    return _copy(ctx, text, b" sealed")


@flow("test.fault.killed_once")
def killed_once(text: Artifact, params: Scratch) -> Artifact:
    return seal(doomed_once(text, params.workdir), params.workdir)


@step
def prepare(ctx: StepContext, text: Artifact, workdir: str) -> Artifact:
    return _copy(ctx, text, b" prepared")


@flow("test.fault.continued_then_killed")
def continued_then_killed(text: Artifact, params: Scratch) -> Artifact:
    """``doomed_once`` follows a quick step, so the worker that settles that step runs it."""
    return seal(doomed_once(prepare(text, params.workdir), params.workdir), params.workdir)


@step
def linger(ctx: StepContext, text: Artifact, workdir: str, seconds: float) -> Artifact:
    """Works for ``seconds``, reporting progress, after announcing that it started."""
    (Path(workdir) / f"{ctx.run_id}.{ctx.attempt}.started").touch()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ctx.progress(seconds - (deadline - time.monotonic()), seconds, "lingering")
        time.sleep(0.02)
    return _copy(ctx, text, b" lingered")


@flow("test.fault.slow_then_seal")
def slow_then_seal(text: Artifact, params: Slow) -> Artifact:
    return seal(linger(text, params.workdir, params.seconds), params.workdir)


@step
def suicidal(ctx: StepContext, text: Artifact, workdir: str) -> Artifact:
    """Kills the process running it, on every attempt (as the kernel's OOM killer would)."""
    with (Path(workdir) / "suicidal.runs").open("a") as handle:
        handle.write(f"{os.getpid()}\n")
    os.kill(os.getpid(), signal.SIGKILL)
    return _copy(ctx, text, b" unreachable")


@flow("test.fault.poison")
def poison(text: Artifact, params: Scratch) -> Artifact:
    return suicidal(text, params.workdir)
