"""The advancement planner, as pure decisions: given the steps' states, what happens next."""

from __future__ import annotations

from typing import Any

import pytest

from remedia.executor.plan import (
    Cancel,
    Dispatch,
    Expand,
    FinishMap,
    FinishRun,
    InputError,
    Requeue,
    Skip,
    StepKey,
    StepView,
    plan,
    resolve_input,
    run_outputs,
)
from remedia.executor.states import RunState, StepState
from remedia.flows import Artifact, Catalogue, Dag, Input, StepContext, flow, step

S = StepState
REGISTRY = Catalogue()
SOURCE = {"$artifact": {"key": "inputs/a.jpg", "digest": "0" * 64, "size": 1}}
NOW = 1000.0


@step(registry=REGISTRY)
def decode(ctx: StepContext, source: Artifact) -> Artifact:
    raise AssertionError("planning never runs a step")


@step(registry=REGISTRY)
def blur(ctx: StepContext, image: Artifact) -> Artifact:
    raise AssertionError("planning never runs a step")


@step(registry=REGISTRY)
def sharpen(ctx: StepContext, image: Artifact) -> Artifact:
    raise AssertionError("planning never runs a step")


@step(registry=REGISTRY)
def blend(ctx: StepContext, left: Artifact, right: Artifact) -> Artifact:
    raise AssertionError("planning never runs a step")


@step(registry=REGISTRY)
def split(ctx: StepContext, video: Artifact) -> list[Artifact]:
    raise AssertionError("planning never runs a step")


@step(registry=REGISTRY)
def concat(ctx: StepContext, segments: list[Artifact]) -> Artifact:
    raise AssertionError("planning never runs a step")


@step(registry=REGISTRY)
def untyped(ctx: StepContext, video):  # type: ignore[no-untyped-def]
    raise AssertionError("planning never runs a step")


@flow("test.linear", registry=REGISTRY)
def linear(source: Artifact) -> Artifact:
    return sharpen(blur(decode(source)))


@flow("test.diamond", registry=REGISTRY)
def diamond(source: Artifact) -> Artifact:
    image = decode(source)
    return blend(blur(image), sharpen(image))


@flow("test.map", registry=REGISTRY)
def mapped(source: Artifact) -> Artifact:
    return concat(blur.map(split(source)))


@flow("test.untyped_map", registry=REGISTRY)
def untyped_map(source: Artifact) -> Artifact:
    return concat(blur.map(untyped(source)))


LINEAR = linear.trace()
DIAMOND = diamond.trace()
MAP = mapped.trace()


def views(dag: Dag, **states: Any) -> dict[StepKey, StepView]:
    """Every node PENDING except those named; a value is a state or a StepView."""
    result: dict[StepKey, StepView] = {(node.key, None): StepView(S.PENDING) for node in dag.nodes}
    for key, value in states.items():
        result[(key, None)] = value if isinstance(value, StepView) else StepView(value)
    return result


def done(output: Any = "out") -> StepView:
    return StepView(S.COMPLETED, output=output)


def decide(dag: Dag, steps: dict[StepKey, StepView], *, cancel: bool = False) -> list[Any]:
    return plan(dag, steps, cancel_requested=cancel, now=NOW, run_inputs={"source": SOURCE})


def test_a_step_that_reads_only_flow_inputs_is_ready_at_once() -> None:
    assert decide(LINEAR, views(LINEAR)) == [Dispatch(("decode", None))]


def test_a_step_waits_while_its_upstream_is_queued_or_running() -> None:
    assert decide(LINEAR, views(LINEAR, decode=S.QUEUED)) == []
    assert decide(LINEAR, views(LINEAR, decode=S.RUNNING)) == []


def test_a_step_is_ready_once_its_upstream_completed() -> None:
    assert decide(LINEAR, views(LINEAR, decode=done())) == [Dispatch(("blur", None))]


def test_a_cached_upstream_counts_as_done() -> None:
    steps = views(LINEAR, decode=StepView(S.CACHED, output="out"))

    assert decide(LINEAR, steps) == [Dispatch(("blur", None))]


def test_independent_steps_are_ready_together() -> None:
    assert decide(DIAMOND, views(DIAMOND, decode=done())) == [
        Dispatch(("blur", None)),
        Dispatch(("sharpen", None)),
    ]


def test_a_fan_in_step_waits_for_every_upstream() -> None:
    steps = views(DIAMOND, decode=done(), blur=done(), sharpen=S.RUNNING)

    assert decide(DIAMOND, steps) == []


def test_a_failed_upstream_skips_the_step_naming_why() -> None:
    steps = views(LINEAR, decode=done(), blur=S.FAILED)

    assert decide(LINEAR, steps) == [Skip(("sharpen", None), "upstream step 'blur' failed")]


def test_a_skip_spreads_downstream_one_step_per_plan() -> None:
    steps = views(LINEAR, decode=S.FAILED)
    assert decide(LINEAR, steps) == [Skip(("blur", None), "upstream step 'decode' failed")]

    steps[("blur", None)] = StepView(S.SKIPPED)
    assert decide(LINEAR, steps) == [Skip(("sharpen", None), "upstream step 'blur' skipped")]


def test_a_failure_skips_only_what_depends_on_it() -> None:
    steps = views(DIAMOND, decode=done(), blur=S.FAILED, sharpen=S.RUNNING)

    assert decide(DIAMOND, steps) == [Skip(("blend", None), "upstream step 'blur' failed")]


def test_a_map_node_expands_into_one_branch_per_item_of_its_upstream_list() -> None:
    steps = views(MAP, split=done(["a", "b", "c"]))

    assert decide(MAP, steps) == [Expand("blur", ["a", "b", "c"])]


def test_a_map_over_something_that_is_not_a_list_fails_the_map_node() -> None:
    dag = untyped_map.trace()
    steps = views(dag, untyped=done({"not": "a list"}))

    assert decide(dag, steps) == [
        FinishMap("blur", S.FAILED, reason="map step 'blur' needs a list to fan out over, got dict")
    ]


def branches(*states: StepState | StepView) -> dict[StepKey, StepView]:
    return {
        ("blur", index): value if isinstance(value, StepView) else StepView(value)
        for index, value in enumerate(states)
    }


def test_the_branches_of_an_expanded_map_are_dispatched() -> None:
    steps = views(MAP, split=done(["a", "b"]), blur=S.RUNNING) | branches(S.PENDING, S.PENDING)

    assert decide(MAP, steps) == [Dispatch(("blur", 0)), Dispatch(("blur", 1))]


def test_a_map_node_completes_with_its_branch_outputs_in_index_order() -> None:
    steps = views(MAP, split=done(["a", "b", "c"]), blur=S.RUNNING)
    steps |= {
        ("blur", 2): done("C"),
        ("blur", 0): done("A"),
        ("blur", 1): StepView(S.CACHED, output="B"),
    }

    assert decide(MAP, steps) == [FinishMap("blur", S.COMPLETED, output=["A", "B", "C"])]


def test_a_map_node_waits_for_its_last_branch() -> None:
    steps = views(MAP, split=done(["a", "b"]), blur=S.RUNNING)
    steps |= branches(done("A"), StepView(S.RUNNING))

    assert decide(MAP, steps) == []


def test_a_map_node_with_a_failed_branch_fails_once_every_branch_ended() -> None:
    steps = views(MAP, split=done(["a", "b", "c"]), blur=S.RUNNING)
    steps |= branches(done("A"), StepView(S.FAILED), done("C"))

    assert decide(MAP, steps) == [
        FinishMap("blur", S.FAILED, reason="1 of 3 branches did not complete (1)")
    ]


def test_a_map_over_an_empty_list_completes_with_an_empty_list() -> None:
    assert decide(MAP, views(MAP, split=done([]))) == [Expand("blur", [])]

    steps = views(MAP, split=done([]), blur=S.RUNNING)
    assert decide(MAP, steps) == [FinishMap("blur", S.COMPLETED, output=[])]


def test_the_step_after_a_map_waits_for_the_map_node_not_its_branches() -> None:
    steps = views(MAP, split=done(["a"]), blur=S.RUNNING) | branches(done("A"))
    assert decide(MAP, steps) == [FinishMap("blur", S.COMPLETED, output=["A"])]

    steps[("blur", None)] = done(["A"])
    assert decide(MAP, steps) == [Dispatch(("concat", None))]


def test_a_retrying_step_is_requeued_once_its_delay_has_passed() -> None:
    early = views(LINEAR, decode=StepView(S.RETRYING, not_before=NOW + 0.5))
    due = views(LINEAR, decode=StepView(S.RETRYING, not_before=NOW))

    assert decide(LINEAR, early) == []
    assert decide(LINEAR, due) == [Requeue(("decode", None))]


def test_a_retrying_branch_is_requeued_once_its_delay_has_passed() -> None:
    steps = views(MAP, split=done(["a", "b"]), blur=S.RUNNING)
    steps |= branches(StepView(S.RETRYING, not_before=NOW - 1), StepView(S.RUNNING))

    assert decide(MAP, steps) == [Requeue(("blur", 0))]


def test_a_run_whose_steps_all_completed_completes() -> None:
    steps = views(LINEAR, decode=done(), blur=done(), sharpen=StepView(S.CACHED, output="x"))

    assert decide(LINEAR, steps) == [FinishRun(RunState.COMPLETED)]


def test_a_run_with_a_failed_step_fails_naming_it_once_nothing_else_can_happen() -> None:
    steps = views(LINEAR, decode=done(), blur=S.FAILED, sharpen=S.SKIPPED)

    assert decide(LINEAR, steps) == [FinishRun(RunState.FAILED, "step 'blur' failed")]


def test_a_run_does_not_finish_while_a_step_is_still_running() -> None:
    steps = views(DIAMOND, decode=done(), blur=S.FAILED, sharpen=S.RUNNING, blend=S.SKIPPED)

    assert decide(DIAMOND, steps) == []


def test_a_run_does_not_finish_while_a_step_waits_to_retry() -> None:
    steps = views(LINEAR, decode=done(), blur=done())
    steps[("sharpen", None)] = StepView(S.RETRYING, not_before=NOW + 10)

    assert decide(LINEAR, steps) == []


def test_a_cancel_request_cancels_pending_and_retrying_steps_but_not_running_ones() -> None:
    steps = views(DIAMOND, decode=done(), blur=S.RUNNING)
    steps[("sharpen", None)] = StepView(S.RETRYING, not_before=NOW + 10)

    assert decide(DIAMOND, steps, cancel=True) == [
        Cancel(("sharpen", None)),
        Cancel(("blend", None)),
    ]


def test_a_cancel_request_cancels_pending_branches() -> None:
    steps = views(MAP, split=done(["a", "b"]), blur=S.RUNNING)
    steps |= branches(StepView(S.RUNNING), StepView(S.PENDING))

    assert decide(MAP, steps, cancel=True) == [Cancel(("blur", 1)), Cancel(("concat", None))]


def test_a_cancelled_run_ends_cancelled_once_nothing_runs() -> None:
    steps = views(LINEAR, decode=done(), blur=S.CANCELLED, sharpen=S.CANCELLED)

    assert decide(LINEAR, steps, cancel=True) == [
        FinishRun(RunState.CANCELLED, "cancelled on request")
    ]


def test_a_map_whose_branches_were_cancelled_ends_cancelled() -> None:
    steps = views(MAP, split=done(["a", "b"]), blur=S.RUNNING)
    steps |= branches(done("A"), StepView(S.CANCELLED))

    assert decide(MAP, steps, cancel=True) == [
        FinishMap("blur", S.CANCELLED, reason="the run was cancelled"),
        Cancel(("concat", None)),
    ]


def test_an_input_may_name_a_part_of_an_upstream_output() -> None:
    source = Input(kind="ref", node="measure", path=("layers", 1))

    assert resolve_input(source, {"measure": {"layers": ["a", "b"]}}, {}) == "b"


def test_a_missing_part_of_an_upstream_output_is_an_input_error() -> None:
    source = Input(kind="ref", node="measure", path=("mask",))

    with pytest.raises(InputError, match=r"the output of 'measure' has no part 'mask'"):
        resolve_input(source, {"measure": {"layers": []}}, {})


def test_the_run_outputs_are_the_flows_declared_outputs() -> None:
    steps = views(LINEAR, decode=done("d"), blur=done("b"), sharpen=done("s"))

    assert run_outputs(LINEAR, steps, {"source": SOURCE}) == {"result": "s"}
