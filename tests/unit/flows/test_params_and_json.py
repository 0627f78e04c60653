"""A flow's parameters are a pydantic model with a published JSON schema; its DAG is JSON data."""

from __future__ import annotations

import json
from typing import Literal

import jsonschema
import pytest
from pydantic import BaseModel, Field

from remedia.flows import Artifact, Catalogue, Dag, ParameterError, StepContext, flow, step

REGISTRY = Catalogue()


@step(registry=REGISTRY)
def split(ctx: StepContext, video: Artifact) -> list[Artifact]:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def fix_segment(ctx: StepContext, segment: Artifact, gains: dict[str, float]) -> Artifact:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def concat(ctx: StepContext, segments: list[Artifact], title: str | None = None) -> Artifact:
    raise AssertionError("tracing never runs a step")


@step(registry=REGISTRY)
def layers(ctx: StepContext, image: Artifact) -> dict[str, list[Artifact]]:
    raise AssertionError("tracing never runs a step")


class VideoParams(BaseModel):
    """How to correct a video."""

    model_config = {"extra": "forbid"}

    strength: float = Field(default=0.5, ge=0, le=1, description="How strongly to correct.")
    method: Literal["fast", "careful"] = "fast"
    title: str | None = None


@flow("test.video", version=2, registry=REGISTRY)
def correct_video(video: Artifact, params: VideoParams) -> dict:
    fixed = fix_segment.map(split(video), gains={"red": params.strength, "blue": 1.0})
    return {"video": concat(fixed, title=params.title), "first": layers(video)["masks"][0]}


@flow("test.nothing", registry=REGISTRY)
def no_params(video: Artifact) -> Artifact:
    return concat(split(video))


def test_the_parameter_schema_is_the_models_json_schema() -> None:
    schema = correct_video.params_schema()

    assert schema == VideoParams.model_json_schema()
    assert schema["properties"]["method"]["enum"] == ["fast", "careful"]
    assert schema["properties"]["strength"]["maximum"] == 1
    assert schema["properties"]["strength"]["description"] == "How strongly to correct."
    assert schema["additionalProperties"] is False


def test_the_parameter_schema_accepts_what_the_flow_accepts() -> None:
    schema = correct_video.params_schema()
    good = {"strength": 0.9, "method": "careful"}

    jsonschema.validate(good, schema)
    assert correct_video.validate_params(good) == VideoParams(strength=0.9, method="careful")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"strength": 2}, schema)
    with pytest.raises(ParameterError):
        correct_video.validate_params({"strength": 2})


def test_bad_parameters_raise_a_parameter_error_naming_each_field() -> None:
    with pytest.raises(ParameterError) as caught:
        correct_video.trace({"strength": 3, "method": "slow"})

    assert str(caught.value).startswith("invalid parameters for flow 'test.video': ")
    assert [error["field"] for error in caught.value.errors] == ["strength", "method"]
    assert caught.value.errors[0]["value"] == 3


def test_an_unknown_parameter_is_refused() -> None:
    with pytest.raises(ParameterError, match=r"colour: Extra inputs are not permitted"):
        correct_video.trace({"colour": "red"})


def test_a_flow_without_a_parameter_model_takes_no_parameters() -> None:
    assert no_params.params_schema()["properties"] == {}
    assert no_params.trace().nodes == no_params.trace({}).nodes
    with pytest.raises(ParameterError):
        no_params.trace({"strength": 1})


def test_parameters_may_be_given_as_the_model_itself() -> None:
    given = VideoParams(strength=0.1)

    assert correct_video.validate_params(given) is given
    assert correct_video.trace(given) == correct_video.trace({"strength": 0.1})


def test_a_flow_argument_that_is_neither_an_input_nor_a_model_is_refused() -> None:
    def body(video: Artifact, strength: float) -> None:
        return None

    with pytest.raises(TypeError, match=r"argument 'strength' must be an Artifact"):
        flow("test.bad", registry=Catalogue())(body)


def test_a_flow_name_must_be_dotted_lowercase() -> None:
    with pytest.raises(ValueError, match=r"must be dotted lowercase"):
        flow("Image Correct", registry=Catalogue())(no_params.fn)


def test_the_dag_is_plain_json_data() -> None:
    data = correct_video.trace({"title": "holiday"}).to_json()

    assert json.loads(json.dumps(data)) == data
    assert data["edges"] == [["split", "fix_segment"], ["fix_segment", "concat"]]
    mapped = data["nodes"][1]
    assert mapped["map_over"] == {"kind": "ref", "node": "split"}
    assert mapped["map_param"] == "segment"
    assert mapped["inputs"]["segment"] == {"kind": "item"}
    assert mapped["inputs"]["gains"] == {"kind": "const", "value": {"red": 0.5, "blue": 1.0}}
    assert data["outputs"]["first"] == {"kind": "ref", "node": "layers", "path": ["masks", 0]}


def test_the_dag_survives_a_round_trip_through_json_text() -> None:
    dag = correct_video.trace({"strength": 0.25, "title": "holiday"})

    again = Dag.from_json(json.loads(json.dumps(dag.to_json())))

    assert again == dag
    assert again.edges == dag.edges
    assert again.node("fix_segment").is_map


def test_a_constant_none_survives_the_round_trip() -> None:
    dag = correct_video.trace({"title": None})

    again = Dag.from_json(json.loads(json.dumps(dag.to_json())))

    assert again.node("concat").inputs["title"] == dag.node("concat").inputs["title"]
    assert again.node("concat").inputs["title"].kind == "const"
