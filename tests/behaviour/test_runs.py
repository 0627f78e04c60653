"""A run goes through its steps: in order, side by side when it can, fanning out and back in."""

from __future__ import annotations

from pathlib import Path

from remedia.executor import RunRecord, RunState, StepState
from remedia.flows import decode_value

from . import flows
from .harness import Harness

S = StepState


def output_text(executor: Harness, run: RunRecord, name: str = "result") -> bytes:
    return executor.storage.read_bytes(decode_value(run.outputs[name]).key)


def test_a_linear_flow_completes_with_every_step_completed_and_its_output_readable(
    executor: Harness, workdir: Path
) -> None:
    text = executor.store(b"hello")

    run = executor.submit(flows.linear, {"text": text}, {"workdir": str(workdir)}).wait(20)

    assert run.state == RunState.COMPLETED
    assert {key: step.state for key, step in run.steps.items()} == {
        ("shout", None): S.COMPLETED,
        ("reverse", None): S.COMPLETED,
        ("bracket", None): S.COMPLETED,
    }
    assert all(step.attempt == 1 for step in run.steps.values())
    assert output_text(executor, run) == b"[OLLEH]"


def test_independent_steps_run_at_the_same_time(executor: Harness, workdir: Path) -> None:
    # Each step waits for the other's marker file: run one after the other, both would fail.
    text = executor.store(b"x")

    run = executor.submit(flows.rendezvous, {"text": text}, {"workdir": str(workdir)}).wait(30)

    assert run.state == RunState.COMPLETED, [step.error for step in run.steps.values()]
    assert output_text(executor, run) == b"a+b"


def test_a_map_fans_out_to_one_branch_per_item_and_back_in_with_outputs_in_order(
    executor: Harness,
) -> None:
    text = executor.store(b"\n".join(f"line {i}".encode() for i in range(16)))

    run = executor.submit(flows.mapped, {"text": text}, {}).wait(60)

    assert run.state == RunState.COMPLETED
    branches = sorted(
        index for node, index in run.steps if node == "shout_line" and index is not None
    )
    assert branches == list(range(16))
    assert all(step.state == S.COMPLETED for step in run.steps.values())
    assert output_text(executor, run) == b"\n".join(f"LINE {i}".encode() for i in range(16))


def test_a_map_over_an_empty_list_completes_with_no_branches(executor: Harness) -> None:
    text = executor.store(b"")

    run = executor.submit(flows.mapped, {"text": text}, {}).wait(20)

    assert run.state == RunState.COMPLETED
    assert list(run.steps) == [("lines", None), ("shout_line", None), ("join", None)]
    assert run.steps[("shout_line", None)].output == []
    assert output_text(executor, run) == b""


def test_a_map_over_something_that_is_not_a_list_fails_the_map_and_skips_the_rest(
    executor: Harness,
) -> None:
    text = executor.store(b"x")

    run = executor.submit(flows.map_not_a_list, {"text": text}, {}).wait(20)

    assert run.state == RunState.FAILED
    assert [step.state for step in run.steps.values()] == [S.COMPLETED, S.FAILED, S.SKIPPED]
    assert run.steps[("shout_line", None)].error == (
        "map step 'shout_line' needs a list to fan out over, got dict"
    )


def test_a_map_with_a_failed_branch_fails_and_its_retry_reruns_only_that_branch(
    executor: Harness, workdir: Path
) -> None:
    text = executor.store(b"one\nbad\nthree")
    first = executor.submit(flows.map_picky, {"text": text}, {"workdir": str(workdir)})
    failed = first.wait(20)
    assert failed.steps[("picky_line", None)].error == "1 of 3 branches did not complete (1)"
    assert failed.steps[("join", None)].state == S.SKIPPED
    (workdir / "repaired").touch()

    run = executor.retry(first.run_id).wait(20)

    assert run.state == RunState.COMPLETED
    assert output_text(executor, run) == b"ONE\nBAD\nTHREE"
    counts = {line: flows.executions(workdir, f"picky-{line}") for line in ("one", "bad", "three")}
    assert counts == {"one": 1, "bad": 2, "three": 1}
