"""A cached step is not run again; a cancelled run stops and leaves no output behind."""

from __future__ import annotations

from pathlib import Path

from remedia.executor import RunState, StepState

from . import flows
from .harness import Harness, wait_for_file, wait_until

S = StepState


def test_a_second_identical_run_of_a_cached_step_is_cached_and_does_no_work(
    executor: Harness, workdir: Path
) -> None:
    params = {"workdir": str(workdir)}
    first = executor.submit(flows.cached, {"text": executor.store(b"same")}, params).wait(20)

    second = executor.submit(flows.cached, {"text": executor.store(b"same")}, params).wait(20)

    assert first.steps[("fingerprint", None)].state == S.COMPLETED
    assert second.state == RunState.COMPLETED
    assert second.steps[("fingerprint", None)].state == S.CACHED
    assert second.outputs == first.outputs
    assert flows.executions(workdir, "fingerprint") == 1


def test_a_cached_step_given_different_content_runs_again(executor: Harness, workdir: Path) -> None:
    params = {"workdir": str(workdir)}
    executor.submit(flows.cached, {"text": executor.store(b"one")}, params).wait(20)

    second = executor.submit(flows.cached, {"text": executor.store(b"two")}, params).wait(20)

    assert second.steps[("fingerprint", None)].state == S.COMPLETED
    assert flows.executions(workdir, "fingerprint") == 2


def test_cancelling_mid_run_ends_it_cancelled_with_no_output_of_the_cancelled_step(
    executor: Harness, workdir: Path
) -> None:
    text = executor.store(b"x")
    handle = executor.submit(flows.cancellable, {"text": text}, {"workdir": str(workdir)})
    wait_for_file(workdir / "hold.started")
    wait_until(handle, lambda run: run.steps[("hold", None)].state == S.RUNNING)

    handle.cancel()
    run = handle.wait(20)

    assert run.state == RunState.CANCELLED
    assert [step.state for step in run.steps.values()] == [S.COMPLETED, S.CANCELLED, S.CANCELLED]
    assert not executor.storage.exists((workdir / "hold.key").read_text())
    assert flows.executions(workdir, "bracket") == 0
    assert run.outputs == {}
