"""Failing steps: retried with backoff, timed out, refused at once, and skipping what follows."""

from __future__ import annotations

from pathlib import Path

from remedia.executor import RunState, StepState

from . import flows
from .harness import Harness

S = StepState


def test_a_failing_step_is_retried_with_backoff_then_failed_with_its_reason_and_attempts(
    executor: Harness, workdir: Path
) -> None:
    text = executor.store(b"x")
    params = {"workdir": str(workdir), "fail_times": 99}

    run = executor.submit(flows.flaky_flow, {"text": text}, params).wait(20)

    step = run.steps[("flaky", None)]
    assert (run.state, step.state, step.attempt) == (RunState.FAILED, S.FAILED, 3)
    assert step.error == "ConnectionError: execution 3 lost its connection"
    assert executions(workdir) == 3
    starts = flows.execution_times(workdir, "flaky")
    # backoff 0.05 s, doubling: no retry starts before its delay has passed
    assert starts[1] - starts[0] >= 0.05
    assert starts[2] - starts[1] >= 0.1


def executions(workdir: Path) -> int:
    return flows.executions(workdir, "flaky")


def test_a_step_that_succeeds_on_its_third_attempt_completes_with_attempt_three(
    executor: Harness, workdir: Path
) -> None:
    text = executor.store(b"x")
    params = {"workdir": str(workdir), "fail_times": 2}

    run = executor.submit(flows.flaky_flow, {"text": text}, params).wait(20)

    step = run.steps[("flaky", None)]
    assert (run.state, step.state, step.attempt) == (RunState.COMPLETED, S.COMPLETED, 3)
    assert step.error is None
    assert executions(workdir) == 3


def test_a_step_past_its_timeout_is_failed_saying_it_timed_out(
    executor: Harness, workdir: Path
) -> None:
    text = executor.store(b"x")

    run = executor.submit(flows.timeout_flow, {"text": text}, {"workdir": str(workdir)}).wait(20)

    step = run.steps[("stall", None)]
    assert (run.state, step.state, step.attempt) == (RunState.FAILED, S.FAILED, 1)
    assert step.error == "timed out after 0.3s"
    assert step.error_code == "timeout"
    assert flows.executions(workdir, "stall") == 1


def test_a_step_raising_step_failure_fails_at_once_without_retries_or_traceback(
    executor: Harness, workdir: Path
) -> None:
    text = executor.store(b"x")

    run = executor.submit(flows.refuses, {"text": text}, {"workdir": str(workdir)}).wait(20)

    step = run.steps[("refuse", None)]
    assert (run.state, step.state, step.attempt) == (RunState.FAILED, S.FAILED, 1)
    assert step.error == "this file is not a photo"
    assert step.error_code == "not_a_photo"
    assert flows.executions(workdir, "refuse") == 1


def test_a_middle_steps_failure_skips_what_follows_and_fails_the_run(
    executor: Harness, workdir: Path
) -> None:
    text = executor.store(b"x")

    run = executor.submit(flows.broken_middle, {"text": text}, {"workdir": str(workdir)}).wait(20)

    assert run.state == RunState.FAILED
    assert run.error == "step 'fragile' failed"
    assert [step.state for step in run.steps.values()] == [S.COMPLETED, S.FAILED, S.SKIPPED]
    assert run.steps[("bracket", None)].error == "upstream step 'fragile' failed"
    assert flows.executions(workdir, "bracket") == 0
    assert run.outputs == {}


def test_retrying_a_failed_run_reruns_only_its_failed_and_skipped_steps(
    executor: Harness, workdir: Path
) -> None:
    text = executor.store(b"x")
    first = executor.submit(flows.broken_middle, {"text": text}, {"workdir": str(workdir)})
    assert first.wait(20).state == RunState.FAILED
    (workdir / "repaired").touch()

    run = executor.retry(first.run_id).wait(20)

    assert run.state == RunState.COMPLETED
    assert [step.state for step in run.steps.values()] == [S.COMPLETED] * 3
    assert executor.storage.read_bytes(run.outputs["result"]["$artifact"]["key"]) == (
        b"[X (repaired)]"
    )
    counts = {name: flows.executions(workdir, name) for name in ("shout", "fragile", "bracket")}
    assert counts == {"shout": 1, "fragile": 2, "bracket": 1}


def test_retrying_a_failed_run_gives_its_failed_step_all_its_retries_again(
    executor: Harness, workdir: Path
) -> None:
    text = executor.store(b"x")
    params = {"workdir": str(workdir), "fail_times": 5}
    first = executor.submit(flows.flaky_flow, {"text": text}, params)
    assert first.wait(20).steps[("flaky", None)].attempt == 3

    run = executor.retry(first.run_id).wait(20)

    step = run.steps[("flaky", None)]
    assert (run.state, step.state, step.attempt) == (RunState.COMPLETED, S.COMPLETED, 6)
    assert executions(workdir) == 6
