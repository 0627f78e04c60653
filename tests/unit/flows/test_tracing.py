"""Tracing a flow with concrete parameters records a static DAG: nodes, edges, maps, fan-in."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from remedia.flows import Artifact, Catalogue, Input, StepContext, flow, step

REGISTRY = Catalogue()


@step(registry=REGISTRY)
def decode(ctx: StepContext, source: Artifact) -> Artifact:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def balance(
    ctx: StepContext, image: Artifact, method: Literal["gray-world", "white-patch"]
) -> Artifact:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def encode(ctx: StepContext, image: Artifact, quality: int = 90) -> Artifact:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def split(ctx: StepContext, video: Artifact) -> list[Artifact]:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def fix_segment(ctx: StepContext, segment: Artifact, strength: float) -> Artifact:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def concat(ctx: StepContext, segments: list[Artifact]) -> Artifact:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def measure(ctx: StepContext, image: Artifact) -> dict[str, Artifact]:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def side_by_side(ctx: StepContext, left: Artifact, right: Artifact) -> Artifact:
    raise AssertionError("tracing never runs a step")


class ImageParams(BaseModel):
    white_balance: bool = True
    method: Literal["gray-world", "white-patch"] = "gray-world"
    quality: int = 85


@flow("test.image", version=3, registry=REGISTRY)
def correct_image(source: Artifact, params: ImageParams) -> Artifact:
    image = decode(source)
    if params.white_balance:
        image = balance(image, method=params.method)
    return encode(image, quality=params.quality)


class VideoParams(BaseModel):
    strength: float = 0.5


@flow("test.video", registry=REGISTRY)
def correct_video(video: Artifact, params: VideoParams) -> Artifact:
    fixed = fix_segment.map(split(video), strength=params.strength)
    return concat(fixed)


@flow("test.compare", registry=REGISTRY)
def compare(source: Artifact) -> dict:
    first = decode(source)
    second = decode(source)
    return {"picture": side_by_side(first, second), "mask": measure(first)["mask"]}


def test_each_step_call_becomes_a_node_in_call_order() -> None:
    dag = correct_image.trace({"white_balance": True})

    assert [node.key for node in dag.nodes] == ["decode", "balance", "encode"]
    assert [node.step for node in dag.nodes] == [decode.name, balance.name, encode.name]
    assert dag.flow == "test.image"
    assert dag.version == 3
    assert dag.inputs == ("source",)


def test_passing_one_step_output_to_another_records_an_edge() -> None:
    dag = correct_image.trace({"white_balance": True})

    assert dag.edges == [("decode", "balance"), ("balance", "encode")]
    assert dag.node("balance").inputs["image"] == Input(kind="ref", node="decode")


def test_a_flow_input_is_an_input_of_its_first_step_not_an_edge() -> None:
    dag = correct_image.trace({})

    assert dag.node("decode").inputs["source"] == Input(kind="input", name="source")
    assert dag.node("decode").upstream == ()


def test_parameters_and_defaults_become_constant_inputs() -> None:
    dag = correct_image.trace({"method": "white-patch", "quality": 70})

    assert dag.node("balance").inputs["method"] == Input(kind="const", value="white-patch")
    assert dag.node("encode").inputs["quality"] == Input(kind="const", value=70)


def test_branching_on_a_parameter_changes_the_traced_graph() -> None:
    dag = correct_image.trace({"white_balance": False})

    assert [node.key for node in dag.nodes] == ["decode", "encode"]
    assert dag.edges == [("decode", "encode")]


def test_the_flow_result_is_its_output() -> None:
    dag = correct_image.trace({})

    assert dag.outputs == {"result": Input(kind="ref", node="encode")}


def test_a_flow_may_return_named_outputs_including_a_part_of_a_step_output() -> None:
    dag = compare.trace()

    assert dag.outputs == {
        "picture": Input(kind="ref", node="side_by_side"),
        "mask": Input(kind="ref", node="measure", path=("mask",)),
    }


def test_a_step_called_twice_gets_a_second_distinct_node_key() -> None:
    dag = compare.trace()

    assert [node.key for node in dag.nodes] == ["decode", "decode-2", "side_by_side", "measure"]
    assert dag.node("side_by_side").upstream == ("decode", "decode-2")


def test_a_map_node_records_what_it_fans_out_over_and_which_argument_gets_each_item() -> None:
    dag = correct_video.trace({"strength": 0.8})
    mapped = dag.node("fix_segment")

    assert mapped.is_map
    assert mapped.map_over == Input(kind="ref", node="split")
    assert mapped.map_param == "segment"
    assert mapped.inputs["segment"] == Input(kind="item")
    assert mapped.inputs["strength"] == Input(kind="const", value=0.8)


def test_a_map_node_is_one_node_since_its_width_is_known_only_at_run_time() -> None:
    dag = correct_video.trace({})

    assert [node.key for node in dag.nodes] == ["split", "fix_segment", "concat"]
    assert not dag.node("split").is_map
    assert not dag.node("concat").is_map


def test_a_step_given_a_map_output_fans_in_by_waiting_for_the_map_node() -> None:
    dag = correct_video.trace({})

    assert dag.node("concat").inputs["segments"] == Input(kind="ref", node="fix_segment")
    assert dag.edges == [("split", "fix_segment"), ("fix_segment", "concat")]
    assert dag.downstream("split") == ["fix_segment"]


def test_tracing_the_same_parameters_twice_gives_equal_graphs() -> None:
    assert correct_video.trace({"strength": 0.3}) == correct_video.trace({"strength": 0.3})
