"""The DAG of image.correct under different parameters, and how bad parameters are refused."""

from __future__ import annotations

import pytest

from remedia.flows import Flow, ParameterError, catalogue, load_flow_modules
from remedia.flows.image import ImageCorrectParams

DEFAULT_STEPS = ["decode", "analyse_white_balance", "analyse_exposure", "apply_tone"]


@pytest.fixture(scope="module")
def image_correct() -> Flow:
    load_flow_modules()
    return catalogue.flow("image.correct")


def steps(flow: Flow, **params: object) -> list[str]:
    return [node.key for node in flow.trace(params).nodes]


def test_flow_is_registered_as_version_1(image_correct: Flow) -> None:
    assert image_correct.version == 1
    assert image_correct.inputs == ("source",)


def test_default_parameters_trace_the_tone_chain_and_two_outputs(image_correct: Flow) -> None:
    assert steps(image_correct) == [*DEFAULT_STEPS, "encode", "preview"]
    assert set(image_correct.trace({}).outputs) == {"image", "preview"}


def test_optional_steps_appear_only_when_enabled(image_correct: Flow) -> None:
    enabled = steps(image_correct, local_contrast=True, denoise=True, max_long_edge=2048)
    assert enabled == [
        "decode",
        "resize",
        "analyse_white_balance",
        "analyse_exposure",
        "apply_tone",
        "local_contrast",
        "denoise",
        "encode",
        "preview",
    ]


def test_disabling_white_balance_and_exposure_removes_the_tone_steps(image_correct: Flow) -> None:
    assert steps(image_correct, white_balance=False, auto_exposure=False) == [
        "decode",
        "encode",
        "preview",
    ]


def test_exposure_alone_still_applies_one_lut(image_correct: Flow) -> None:
    dag = image_correct.trace({"white_balance": False})
    assert [n.key for n in dag.nodes][:3] == ["decode", "analyse_exposure", "apply_tone"]
    assert ("analyse_exposure", "apply_tone") in dag.edges


def test_encode_reads_the_tone_output_and_the_decoded_metadata(image_correct: Flow) -> None:
    edges = image_correct.trace({"metadata": "keep"}).edges
    assert ("apply_tone", "encode") in edges
    assert ("decode", "encode") in edges


def test_unknown_parameter_is_refused(image_correct: Flow) -> None:
    with pytest.raises(ParameterError, match="sharpen"):
        image_correct.trace({"sharpen": True})


@pytest.mark.parametrize(
    "params",
    [{"quality": 0}, {"quality": 101}, {"max_long_edge": 4}, {"local_contrast_limit": 50}],
)
def test_out_of_range_parameter_is_refused(image_correct: Flow, params: dict) -> None:
    with pytest.raises(ParameterError):
        image_correct.trace(params)


def test_unknown_method_is_refused(image_correct: Flow) -> None:
    with pytest.raises(ParameterError, match="white_balance_method"):
        image_correct.trace({"white_balance_method": "retinex"})


def test_every_parameter_has_a_description_and_a_default() -> None:
    schema = ImageCorrectParams.model_json_schema()
    assert schema["additionalProperties"] is False
    for name, field in schema["properties"].items():
        assert field.get("description"), name
        assert "default" in field, name
