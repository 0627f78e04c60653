"""A flow whose shape cannot be known before it runs is refused while tracing, saying why."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from pydantic import BaseModel

from remedia.flows import Artifact, Catalogue, StepContext, TracingError, flow, step

REGISTRY = Catalogue()


@step(registry=REGISTRY)
def decode(ctx: StepContext, source: Artifact) -> Artifact:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def count_faces(ctx: StepContext, image: Artifact) -> int:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def blur(ctx: StepContext, image: Artifact, radius: int = 2) -> Artifact:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def balance(
    ctx: StepContext, image: Artifact, method: Literal["gray-world", "white-patch"]
) -> Artifact:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def split(ctx: StepContext, video: Artifact) -> list[Artifact]:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def layers(ctx: StepContext, image: Artifact) -> dict[str, Artifact]:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def concat(ctx: StepContext, segments: list[Artifact]) -> Artifact:
    raise AssertionError("tracing never runs a step")


class FractionalRadius(BaseModel):
    radius: float = 2.5


def trace_body(body: Any, params: type[BaseModel] | None = None) -> None:
    """Declare a one-off flow around ``body`` (taking ``source``) and trace it."""
    if params is None:

        def declared(source: Artifact) -> Any:
            return body(source)

        declared.__annotations__ = {"source": Artifact}
    else:

        def declared(source: Artifact, p: BaseModel) -> Any:
            return body(source, p)

        declared.__annotations__ = {"source": Artifact, "p": params}
    flow("test.refused", registry=Catalogue())(declared).trace(None)


def test_branching_on_a_step_output_is_a_tracing_error() -> None:
    def body(source: Any) -> Any:
        faces = count_faces(decode(source))
        return blur(decode(source)) if faces else decode(source)

    with pytest.raises(TracingError, match=r"branch \(if/while/and/or\) on the output of step"):
        trace_body(body)


def test_the_branching_error_names_the_step_and_says_how_to_decide_instead() -> None:
    def body(source: Any) -> Any:
        image = decode(source)
        if count_faces(image):
            return blur(image)
        return image

    with pytest.raises(TracingError) as caught:
        trace_body(body)

    message = str(caught.value)
    assert "'count_faces'" in message
    assert "'test.refused'" in message
    assert "branch on parameters instead, or make the decision inside a step" in message


def test_looping_over_a_step_output_is_a_tracing_error_pointing_to_map() -> None:
    def body(source: Any) -> Any:
        return [blur(segment) for segment in split(source)]

    with pytest.raises(TracingError, match=r"iterate \(use step\.map\(\.\.\.\) to fan out"):
        trace_body(body)


def test_taking_len_of_a_step_output_is_a_tracing_error() -> None:
    def body(source: Any) -> Any:
        return blur(decode(source), radius=len(split(source)))

    with pytest.raises(TracingError, match=r"take len\(\) on the output of step 'split'"):
        trace_body(body)


@pytest.mark.parametrize(
    ("compare", "word"),
    [
        (lambda v: v == 3, "=="),
        (lambda v: v != 3, "!="),
        (lambda v: v < 3, "<"),
        (lambda v: v <= 3, "<="),
        (lambda v: v > 3, ">"),
        (lambda v: v >= 3, ">="),
        (lambda v: 3 < v, ">"),  # noqa: SIM300
    ],
    ids=["==", "!=", "<", "<=", ">", ">=", "reflected <"],
)
def test_comparing_a_step_output_is_a_tracing_error(compare: Any, word: str) -> None:
    def body(source: Any) -> Any:
        compare(count_faces(decode(source)))
        return decode(source)

    with pytest.raises(TracingError, match=rf"compare \({word}\)"):
        trace_body(body)


@pytest.mark.parametrize(
    "use",
    [
        lambda v: v + 1,
        lambda v: 1 + v,
        lambda v: v - 1,
        lambda v: v * 2,
        lambda v: v / 2,
        lambda v: f"{v}",
        int,
        lambda v: 3 in v,
        lambda v: [0, 1][v],
    ],
    ids=["+", "reflected +", "-", "*", "/", "format", "int", "in", "as index"],
)
def test_computing_with_a_step_output_in_the_flow_body_is_a_tracing_error(use: Any) -> None:
    def body(source: Any) -> Any:
        use(count_faces(decode(source)))
        return decode(source)

    with pytest.raises(TracingError, match=r"which has no value until the run executes"):
        trace_body(body)


def test_branching_on_a_flow_input_is_a_tracing_error_naming_the_input() -> None:
    def body(source: Any) -> Any:
        return decode(source) if source else None

    with pytest.raises(TracingError, match=r"on the flow input 'source'"):
        trace_body(body)


def test_an_unknown_argument_is_a_tracing_error_showing_the_signature() -> None:
    def body(source: Any) -> Any:
        return blur(decode(source), sigma=3)

    with pytest.raises(TracingError) as caught:
        trace_body(body)

    message = str(caught.value)
    assert "calls step 'blur' with wrong arguments" in message
    assert "sigma" in message
    assert "Its signature is blur(image" in message


def test_a_missing_argument_is_a_tracing_error_naming_it() -> None:
    def body(source: Any) -> Any:
        return balance(decode(source))

    with pytest.raises(TracingError, match=r"step 'balance' with wrong arguments: .*'method'"):
        trace_body(body)


def test_a_constant_of_the_wrong_type_is_a_tracing_error_naming_the_argument() -> None:
    def body(source: Any) -> Any:
        return balance(decode(source), method="rainbow")

    with pytest.raises(TracingError, match=r"step 'balance' with method='rainbow': Input should"):
        trace_body(body)


def test_a_parameter_of_the_wrong_type_is_a_tracing_error() -> None:
    def body(source: Any, p: FractionalRadius) -> Any:
        return blur(decode(source), radius=p.radius)

    with pytest.raises(TracingError, match=r"with radius=2.5: Input should be a valid integer"):
        trace_body(body, FractionalRadius)


def test_a_step_output_of_the_wrong_kind_is_a_tracing_error() -> None:
    def body(source: Any) -> Any:
        return blur(count_faces(decode(source)))

    with pytest.raises(TracingError, match=r"output of step 'count_faces' .* expects an Artifact"):
        trace_body(body)


def test_an_artifact_given_where_a_number_is_expected_is_a_tracing_error() -> None:
    def body(source: Any) -> Any:
        return blur(source, radius=decode(source))

    with pytest.raises(TracingError, match=r"\(an Artifact\) to step 'blur' argument 'radius'"):
        trace_body(body)


def test_a_list_of_artifacts_given_where_one_artifact_is_expected_is_a_tracing_error() -> None:
    def body(source: Any) -> Any:
        return blur(split(source))

    with pytest.raises(TracingError, match=r"output of step 'split' .* expects an Artifact"):
        trace_body(body)


def test_a_dict_of_artifacts_given_where_one_artifact_is_expected_is_a_tracing_error() -> None:
    def body(source: Any) -> Any:
        return blur(layers(decode(source)))

    with pytest.raises(TracingError, match=r"output of step 'layers' .* expects an Artifact"):
        trace_body(body)


def test_one_artifact_given_where_a_list_is_expected_is_a_tracing_error() -> None:
    def body(source: Any) -> Any:
        return concat(decode(source))

    with pytest.raises(TracingError, match=r"to step 'concat' argument 'segments'"):
        trace_body(body)


def test_a_part_of_a_step_output_is_accepted_where_an_artifact_is_expected() -> None:
    def body(source: Any) -> Any:
        return blur(layers(decode(source))["mask"])

    trace_body(body)


def test_a_map_output_given_where_one_artifact_is_expected_is_a_tracing_error() -> None:
    def body(source: Any) -> Any:
        return blur(blur.map(split(source)))

    with pytest.raises(TracingError, match=r"outputs of map step .* \(a list, one per branch\)"):
        trace_body(body)


def test_mapping_over_a_value_known_now_is_a_tracing_error_pointing_to_a_loop() -> None:
    def body(source: Any) -> Any:
        return concat(blur.map([1, 2, 3]))

    with pytest.raises(TracingError, match=r"call the step in a Python loop"):
        trace_body(body)


def test_mapping_over_a_step_output_that_is_not_a_list_is_a_tracing_error() -> None:
    def body(source: Any) -> Any:
        return concat(blur.map(decode(source)))

    with pytest.raises(TracingError, match=r"blur\.map\(\) fans out over a list, but"):
        trace_body(body)


def test_passing_the_mapped_argument_again_is_a_tracing_error() -> None:
    def body(source: Any) -> Any:
        return concat(blur.map(split(source), image=source))

    with pytest.raises(TracingError, match=r"multiple values for argument 'image'"):
        trace_body(body)


def test_a_fixed_artifact_in_the_flow_body_is_a_tracing_error() -> None:
    fixed = Artifact(key="inputs/a.jpg", digest="0" * 64, size=1)

    def body(source: Any) -> Any:
        return blur(fixed)

    with pytest.raises(TracingError, match=r"artifacts enter a flow as its inputs"):
        trace_body(body)


def test_a_flow_returning_a_plain_value_is_a_tracing_error() -> None:
    def body(source: Any) -> Any:
        decode(source)
        return 42

    with pytest.raises(TracingError, match=r"must return a step's output, a dict of them"):
        trace_body(body)


def test_calling_a_step_outside_a_flow_is_a_tracing_error_saying_how_to_run_it() -> None:
    source = Artifact(key="inputs/a.jpg", digest="0" * 64, size=1)

    with pytest.raises(TracingError, match=r"step 'blur' was called outside a flow.*blur\.fn"):
        blur(source)


def test_calling_map_outside_a_flow_is_a_tracing_error() -> None:
    with pytest.raises(TracingError, match=r"step 'blur' was called outside a flow"):
        blur.map([])
