"""The catalogue finds flows by name and version, and steps by name; unknown names get hints."""

from __future__ import annotations

import pytest

from remedia.flows import Artifact, Catalogue, StepContext, UnknownFlow, flow, step

REGISTRY = Catalogue()


@step(registry=REGISTRY)
def copy(ctx: StepContext, source: Artifact) -> Artifact:
    raise AssertionError("tracing never runs a step")


@flow("image.correct", version=1, registry=REGISTRY)
def correct_v1(source: Artifact) -> Artifact:
    return copy(source)


@flow("image.correct", version=3, registry=REGISTRY)
def correct_v3(source: Artifact) -> Artifact:
    return copy(copy(source))


@flow("image.preview", registry=REGISTRY)
def preview(source: Artifact) -> Artifact:
    return copy(source)


@flow("video.stabilise", registry=REGISTRY)
def stabilise(source: Artifact) -> Artifact:
    return copy(source)


def test_a_flow_is_found_by_name_and_version() -> None:
    assert REGISTRY.flow("image.correct", 1) is correct_v1
    assert REGISTRY.flow("image.correct", 3) is correct_v3


def test_without_a_version_the_newest_version_is_found() -> None:
    assert REGISTRY.flow("image.correct") is correct_v3


def test_every_flow_is_listed_by_name_then_version() -> None:
    assert REGISTRY.flows() == [correct_v1, correct_v3, preview, stabilise]


def test_a_misspelt_flow_name_suggests_the_close_names() -> None:
    with pytest.raises(UnknownFlow) as caught:
        REGISTRY.flow("image.corect")

    message = str(caught.value)
    assert message.startswith("no flow named 'image.corect'; did you mean image.correct")
    assert message.endswith("(known flows: image.correct, image.preview, video.stabilise)")


def test_a_name_close_to_nothing_lists_the_known_flows_without_a_suggestion() -> None:
    with pytest.raises(UnknownFlow) as caught:
        REGISTRY.flow("audio.denoise")

    assert "did you mean" not in str(caught.value)
    assert "known flows: image.correct, image.preview, video.stabilise" in str(caught.value)


def test_an_empty_catalogue_says_it_knows_no_flows() -> None:
    with pytest.raises(UnknownFlow, match=r"\(known flows: none\)"):
        Catalogue().flow("image.correct")


def test_an_unknown_version_lists_the_versions_there_are() -> None:
    with pytest.raises(
        UnknownFlow, match=r"flow 'image.correct' has no version 2 \(versions: 1, 3"
    ):
        REGISTRY.flow("image.correct", 2)


def test_a_step_is_found_by_the_name_recorded_in_the_dag() -> None:
    node = correct_v1.trace().nodes[0]

    assert REGISTRY.step(node.step) is copy


def test_an_unknown_step_says_to_import_the_module_that_defines_it() -> None:
    with pytest.raises(UnknownFlow, match=r"no step named 'video.split' is registered; import"):
        REGISTRY.step("video.split")


def test_a_step_gets_its_module_and_function_name_unless_named() -> None:
    named = step(name="image.copy", registry=Catalogue())(copy.fn)

    assert copy.name == f"{__name__}.copy"
    assert named.name == "image.copy"


def test_a_second_flow_with_the_same_name_and_version_is_refused() -> None:
    registry = Catalogue()
    flow("image.correct", registry=registry)(correct_v1.fn)

    with pytest.raises(ValueError, match=r"flow 'image.correct' version 1 is already declared"):
        flow("image.correct", registry=registry)(preview.fn)


def test_a_second_step_with_the_same_name_is_refused() -> None:
    registry = Catalogue()
    step(name="image.copy", registry=registry)(copy.fn)

    with pytest.raises(ValueError, match=r"a step named 'image.copy' is already declared"):
        step(name="image.copy", registry=registry)(preview.fn)


def test_declaring_the_same_function_again_replaces_it_as_a_module_reload_does() -> None:
    registry = Catalogue()
    flow("image.correct", registry=registry)(correct_v1.fn)

    again = flow("image.correct", registry=registry)(correct_v1.fn)

    assert registry.flow("image.correct") is again


def test_declaring_flows_in_a_private_catalogue_leaves_the_global_one_alone() -> None:
    from remedia.flows import catalogue

    assert all(found.name != "video.stabilise" for found in catalogue.flows())
