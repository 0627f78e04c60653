"""The flows that the executor behaviour suite runs.

They live in an importable module so that a worker in another process can load them by name,
and they register in the global catalogue as ``test.*``. Nothing here keeps state in memory:
whatever must outlive one attempt (how often a step ran, a marker that another step started)
is a file in the ``workdir`` folder that every flow takes as a parameter.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from pydantic import BaseModel

from remedia.flows import Artifact, StepContext, StepFailure, flow, step

RENDEZVOUS_SECONDS = 10.0
STALL_SECONDS = 30.0


class Scratch(BaseModel):
    workdir: str


class Flaky(Scratch):
    fail_times: int


def count_execution(workdir: str, name: str) -> int:
    """Record one execution of ``name`` and return how many there have been, this one included."""
    path = Path(workdir) / f"{name}.runs"
    with path.open("a") as handle:
        handle.write(f"{time.time()!r}\n")
    return len(path.read_text().splitlines())


def executions(workdir: Path, name: str) -> int:
    """How many times the step ``name`` ran."""
    path = workdir / f"{name}.runs"
    return len(path.read_text().splitlines()) if path.exists() else 0


def execution_times(workdir: Path, name: str) -> list[float]:
    """When each execution of ``name`` started, by the step's own clock."""
    return [float(line) for line in (workdir / f"{name}.runs").read_text().splitlines()]


def appeared(path: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def text_of(ctx: StepContext, artifact: Artifact) -> bytes:
    return ctx.open(artifact).read_bytes()


# -- a linear flow -----------------------------------------------------------------------------


@step
def shout(ctx: StepContext, text: Artifact, workdir: str) -> Artifact:
    count_execution(workdir, "shout")
    return ctx.save(text_of(ctx, text).upper(), suffix=".txt")


@step
def reverse(ctx: StepContext, text: Artifact, workdir: str) -> Artifact:
    count_execution(workdir, "reverse")
    return ctx.save(text_of(ctx, text)[::-1], suffix=".txt")


@step
def bracket(ctx: StepContext, text: Artifact, workdir: str) -> Artifact:
    count_execution(workdir, "bracket")
    return ctx.save(b"[" + text_of(ctx, text) + b"]", suffix=".txt")


@flow("test.linear")
def linear(text: Artifact, params: Scratch) -> Artifact:
    return bracket(reverse(shout(text, params.workdir), params.workdir), params.workdir)


# -- two steps that can only finish if they run at the same time -------------------------------


@step
def meet(ctx: StepContext, text: Artifact, workdir: str, me: str, other: str) -> Artifact:
    (Path(workdir) / f"{me}.arrived").touch()
    if not appeared(Path(workdir) / f"{other}.arrived", RENDEZVOUS_SECONDS):
        raise StepFailure(f"'{other}' did not start while '{me}' ran", code="not_concurrent")
    return ctx.save(me.encode(), suffix=".txt")


@step
def pair(ctx: StepContext, left: Artifact, right: Artifact) -> Artifact:
    return ctx.save(text_of(ctx, left) + b"+" + text_of(ctx, right), suffix=".txt")


@flow("test.rendezvous")
def rendezvous(text: Artifact, params: Scratch) -> Artifact:
    first = meet(text, params.workdir, me="a", other="b")
    second = meet(text, params.workdir, me="b", other="a")
    return pair(first, second)


# -- retries, timeouts and failures ------------------------------------------------------------


@step(retries=2, retry_backoff=0.05, retry_jitter=0.0)
def flaky(ctx: StepContext, text: Artifact, workdir: str, fail_times: int) -> Artifact:
    attempt = count_execution(workdir, "flaky")
    if attempt <= fail_times:
        raise ConnectionError(f"execution {attempt} lost its connection")
    return ctx.save(f"worked on execution {attempt}".encode(), suffix=".txt")


@flow("test.flaky")
def flaky_flow(text: Artifact, params: Flaky) -> Artifact:
    return flaky(text, params.workdir, params.fail_times)


@step(timeout="300ms")
def stall(ctx: StepContext, text: Artifact, workdir: str) -> Artifact:
    count_execution(workdir, "stall")
    appeared(Path(workdir) / "never", STALL_SECONDS)
    return ctx.save(b"too late", suffix=".txt")


@flow("test.timeout")
def timeout_flow(text: Artifact, params: Scratch) -> Artifact:
    return stall(text, params.workdir)


@step(retries=3, retry_backoff=0.01)
def refuse(ctx: StepContext, text: Artifact, workdir: str) -> Artifact:
    count_execution(workdir, "refuse")
    raise StepFailure("this file is not a photo", code="not_a_photo")


@flow("test.refuses")
def refuses(text: Artifact, params: Scratch) -> Artifact:
    return refuse(text, params.workdir)


# -- caching -----------------------------------------------------------------------------------


@step(cache=True)
def fingerprint(ctx: StepContext, text: Artifact, workdir: str) -> Artifact:
    count_execution(workdir, "fingerprint")
    return ctx.save(hashlib.sha256(text_of(ctx, text)).hexdigest().encode(), suffix=".txt")


@flow("test.cached")
def cached(text: Artifact, params: Scratch) -> Artifact:
    return fingerprint(text, params.workdir)


# -- a failure in the middle, then a retry of the run ------------------------------------------


@step
def fragile(ctx: StepContext, text: Artifact, workdir: str) -> Artifact:
    count_execution(workdir, "fragile")
    if not (Path(workdir) / "repaired").exists():
        raise StepFailure("the middle step is broken", code="broken")
    return ctx.save(text_of(ctx, text) + b" (repaired)", suffix=".txt")


@flow("test.broken_middle")
def broken_middle(text: Artifact, params: Scratch) -> Artifact:
    return bracket(fragile(shout(text, params.workdir), params.workdir), params.workdir)


# -- cancellation ------------------------------------------------------------------------------


@step
def hold(ctx: StepContext, text: Artifact, workdir: str) -> Artifact:
    """Write part of an output, then hold it until the run is cancelled."""
    folder = Path(workdir)

    def write(path: Path) -> None:
        path.write_bytes(b"half of an output")
        (folder / "hold.key").write_text(f"{ctx.output_prefix}/held.bin")
        (folder / "hold.started").touch()
        deadline = time.monotonic() + STALL_SECONDS
        while not ctx.cancelled() and time.monotonic() < deadline:
            time.sleep(0.01)

    return ctx.save(write, name="held", suffix=".bin")


@flow("test.cancellable")
def cancellable(text: Artifact, params: Scratch) -> Artifact:
    return bracket(hold(shout(text, params.workdir), params.workdir), params.workdir)


# -- fan-out and fan-in ------------------------------------------------------------------------


@step
def lines(ctx: StepContext, text: Artifact) -> list[Artifact]:
    parts = text_of(ctx, text).splitlines()
    return [ctx.save(part, name=f"line-{i}", suffix=".txt") for i, part in enumerate(parts)]


@step
def shout_line(ctx: StepContext, line: Artifact) -> Artifact:
    return ctx.save(text_of(ctx, line).upper(), suffix=".txt")


@step
def join(ctx: StepContext, parts: list[Artifact]) -> Artifact:
    return ctx.save(b"\n".join(text_of(ctx, part) for part in parts), suffix=".txt")


@flow("test.map")
def mapped(text: Artifact) -> Artifact:
    return join(shout_line.map(lines(text)))


@step
def picky_line(ctx: StepContext, line: Artifact, workdir: str) -> Artifact:
    """Fails on a line saying "bad" until the workdir holds "repaired"; counts each line."""
    content = text_of(ctx, line)
    count_execution(workdir, f"picky-{content.decode()}")
    if content == b"bad" and not (Path(workdir) / "repaired").exists():
        raise StepFailure("a bad line", code="bad_line")
    return ctx.save(content.upper(), suffix=".txt")


@flow("test.map_picky")
def map_picky(text: Artifact, params: Scratch) -> Artifact:
    return join(picky_line.map(lines(text), params.workdir))


@step
def describe(ctx: StepContext, text: Artifact):  # type: ignore[no-untyped-def]
    """Returns a dict, though nothing says so: only the run can find out it is not a list."""
    return {"size": len(text_of(ctx, text))}


@flow("test.map_not_a_list")
def map_not_a_list(text: Artifact) -> Artifact:
    return join(shout_line.map(describe(text)))
