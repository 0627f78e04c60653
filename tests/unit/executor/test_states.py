"""The run and step state machines, pair by pair: every allowed move passes, every other raises.

The expected tables are written out here, from the design, rather than read from the module,
so that a change to the machine is a visible change to this specification.
"""

from __future__ import annotations

import itertools

import pytest

from remedia.executor.records import RunRecord, StepRecord, transition_run, transition_step
from remedia.executor.states import (
    RUN_ALLOWED,
    RUN_TERMINAL,
    STEP_ALLOWED,
    STEP_TERMINAL,
    InvalidTransition,
    RunState,
    StepState,
    check_run_transition,
    check_step_transition,
)
from remedia.flows import Dag, Node

R, S = RunState, StepState

RUN_MOVES: dict[RunState, set[RunState]] = {
    R.SCHEDULED: {R.PENDING, R.CANCELLED},
    # PENDING may end at once: every step cached, or nothing could start.
    R.PENDING: {R.RUNNING, R.COMPLETED, R.FAILED, R.CANCELLED, R.CRASHED},
    R.RUNNING: {R.COMPLETED, R.FAILED, R.CANCELLED, R.CRASHED},
    R.COMPLETED: set(),
    # Retrying a run that did not complete reopens it.
    R.FAILED: {R.PENDING},
    R.CANCELLED: {R.PENDING},
    R.CRASHED: {R.PENDING},
}

STEP_MOVES: dict[StepState, set[StepState]] = {
    # FAILED straight from PENDING: its inputs cannot be resolved (a map over a non-list).
    S.PENDING: {S.QUEUED, S.CACHED, S.SKIPPED, S.CANCELLED, S.FAILED},
    S.QUEUED: {S.RUNNING, S.CANCELLED, S.FAILED},
    # RUNNING -> QUEUED: the attempt was lost with its worker and is sent again.
    S.RUNNING: {S.COMPLETED, S.FAILED, S.RETRYING, S.CANCELLED, S.QUEUED},
    S.RETRYING: {S.QUEUED, S.CANCELLED, S.FAILED},
    S.COMPLETED: set(),
    S.CACHED: set(),
    # A retried run sends its failed, skipped and cancelled steps round again.
    S.FAILED: {S.PENDING},
    S.CANCELLED: {S.PENDING},
    S.SKIPPED: {S.PENDING},
}


def pair_id(pair: tuple[object, object]) -> str:
    return f"{pair[0]}->{pair[1]}"


RUN_PAIRS = list(itertools.product(RunState, RunState))
STEP_PAIRS = list(itertools.product(StepState, StepState))


@pytest.mark.parametrize("pair", RUN_PAIRS, ids=[pair_id(p) for p in RUN_PAIRS])
def test_a_run_moves_only_along_the_documented_transitions(
    pair: tuple[RunState, RunState],
) -> None:
    current, target = pair
    if target in RUN_MOVES[current]:
        check_run_transition(current, target)
        return
    with pytest.raises(InvalidTransition) as caught:
        check_run_transition(current, target, "run r1")
    assert str(caught.value) == f"run r1 cannot move from {current} to {target}"
    assert (caught.value.current, caught.value.target) == (current, target)


@pytest.mark.parametrize("pair", STEP_PAIRS, ids=[pair_id(p) for p in STEP_PAIRS])
def test_a_step_moves_only_along_the_documented_transitions(
    pair: tuple[StepState, StepState],
) -> None:
    current, target = pair
    if target in STEP_MOVES[current]:
        check_step_transition(current, target)
        return
    with pytest.raises(InvalidTransition) as caught:
        check_step_transition(current, target, "step encode of run r1")
    assert str(caught.value) == f"step encode of run r1 cannot move from {current} to {target}"
    assert (caught.value.current, caught.value.target) == (current, target)


def test_the_run_table_is_exactly_the_documented_one() -> None:
    assert {state: set(moves) for state, moves in RUN_ALLOWED.items()} == RUN_MOVES


def test_the_step_table_is_exactly_the_documented_one() -> None:
    assert {state: set(moves) for state, moves in STEP_ALLOWED.items()} == STEP_MOVES


def test_the_terminal_run_states_are_the_endings_of_a_run() -> None:
    assert {R.COMPLETED, R.FAILED, R.CANCELLED, R.CRASHED} == RUN_TERMINAL


def test_the_terminal_step_states_are_the_endings_of_a_step() -> None:
    assert {S.COMPLETED, S.CACHED, S.FAILED, S.CANCELLED, S.SKIPPED} == STEP_TERMINAL


def test_a_terminal_run_leaves_only_by_a_retry_and_a_completed_one_never() -> None:
    assert all(RUN_ALLOWED[state] <= {R.PENDING} for state in RUN_TERMINAL)
    assert RUN_ALLOWED[R.COMPLETED] == frozenset()


def test_a_terminal_step_leaves_only_by_a_retry_and_a_step_with_output_never() -> None:
    assert all(STEP_ALLOWED[state] <= {S.PENDING} for state in STEP_TERMINAL)
    assert STEP_ALLOWED[S.COMPLETED] == STEP_ALLOWED[S.CACHED] == frozenset()


def test_every_non_terminal_state_has_a_way_to_an_ending() -> None:
    assert all(RUN_ALLOWED[state] for state in set(RunState) - RUN_TERMINAL)
    assert all(STEP_ALLOWED[state] & STEP_TERMINAL for state in set(StepState) - STEP_TERMINAL)


def one_step_run() -> RunRecord:
    node = Node(key="encode", step="test.encode", label="encode", inputs={})
    dag = Dag(flow="test.one", version=1, inputs=(), nodes=(node,), outputs={})
    return RunRecord.new("r1", dag, {})


def test_a_refused_step_transition_changes_nothing_and_tells_no_one() -> None:
    run = one_step_run()
    step = run.steps[("encode", None)]
    events: list[object] = []

    with pytest.raises(InvalidTransition, match=r"step encode of run r1 cannot move"):
        transition_step(run, step, S.COMPLETED, events.append, output={"x": 1})

    assert step == StepRecord(node="encode")
    assert events == []


def test_an_allowed_step_transition_applies_its_changes_and_emits_one_event() -> None:
    run = one_step_run()
    step = run.steps[("encode", None)]
    events: list[object] = []

    transition_step(run, step, S.QUEUED, events.append)
    transition_step(run, step, S.RUNNING, events.append, attempt=1)

    assert (step.state, step.attempt) == (S.RUNNING, 1)
    assert step.started_at is not None
    assert [(e.kind, e.state, e.node, e.attempt) for e in events] == [  # type: ignore[attr-defined]
        ("step", "QUEUED", "encode", 0),
        ("step", "RUNNING", "encode", 1),
    ]


def test_a_refused_run_transition_changes_nothing_and_tells_no_one() -> None:
    run = one_step_run()
    events: list[object] = []
    transition_run(run, R.RUNNING)
    transition_run(run, R.COMPLETED, outputs={"result": 1})

    with pytest.raises(InvalidTransition, match=r"run r1 cannot move from COMPLETED to PENDING"):
        transition_run(run, R.PENDING, events.append, error="again")

    assert (run.state, run.error, run.outputs) == (R.COMPLETED, None, {"result": 1})
    assert events == []


def test_a_run_that_ends_records_when() -> None:
    run = one_step_run()

    transition_run(run, R.FAILED, error="step 'encode' failed")

    assert run.finished_at is not None
    assert run.error == "step 'encode' failed"
