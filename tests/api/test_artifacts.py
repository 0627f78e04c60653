"""``/artifacts``: a corrected photo's downloads, byte ranges and preview, as its owner only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.clients import ApiClient, assert_problem, body_of, make_user
from tests.api.media import photo


@pytest.fixture(scope="module")
def corrected(api_runtime: Any) -> Iterator[tuple[ApiClient, dict[str, Any]]]:
    """A photo that image.correct completed through the workers, and its owner's client."""
    from remedia.api.runtime import use_runtime

    use_runtime(api_runtime)
    owner = ApiClient.with_token(make_user("photographer"))
    asset = owner.asset(photo(), "rocket.jpg")
    run = owner.run("image.correct", asset["id"], {"format": "png", "preview_long_edge": 128})
    done = owner.wait(run["id"], timeout=180)
    assert done["state"] == "COMPLETED", done["steps"]
    use_runtime(None)
    yield owner, done


def test_the_corrected_image_downloads_whole_with_its_type_and_name(corrected, api):
    owner, run = corrected
    image = run["outputs"]["image"]
    response = owner.get(image["url"].removeprefix("/api/v1"))
    assert response.status_code == 200
    assert response["Content-Type"] == image["media_type"] == "image/png"
    assert response["Accept-Ranges"] == "bytes"
    assert image["name"] in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")
    data = body_of(response)
    assert len(data) == image["size"] and data.startswith(b"\x89PNG")


def test_a_range_request_gets_206_with_exactly_those_bytes(corrected, api):
    owner, run = corrected
    image = run["outputs"]["image"]
    whole = body_of(owner.get(f"/artifacts/{image['id']}"))
    response = owner.get(f"/artifacts/{image['id']}", HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{image['size']}"
    assert response["Content-Length"] == "100"
    assert body_of(response) == whole[100:200]


def test_a_suffix_range_gets_the_last_bytes(corrected, api):
    owner, run = corrected
    image = run["outputs"]["image"]
    whole = body_of(owner.get(f"/artifacts/{image['id']}"))
    response = owner.get(f"/artifacts/{image['id']}", HTTP_RANGE="bytes=-16")
    assert response.status_code == 206
    assert body_of(response) == whole[-16:]


def test_a_range_past_the_end_is_a_416_saying_the_size(corrected, api):
    owner, run = corrected
    image = run["outputs"]["image"]
    response = owner.get(f"/artifacts/{image['id']}", HTTP_RANGE=f"bytes={image['size']}-")
    problem = assert_problem(response, 416)
    assert response["Content-Range"] == f"bytes */{image['size']}"
    assert str(image["size"]) in problem["detail"]


def test_a_range_that_cannot_be_parsed_gets_the_whole_file(corrected, api):
    owner, run = corrected
    image = run["outputs"]["image"]
    response = owner.get(f"/artifacts/{image['id']}", HTTP_RANGE="lines=1-2")
    assert response.status_code == 200
    assert len(body_of(response)) == image["size"]


def test_the_preview_of_any_artifact_of_the_run_is_its_small_jpeg(corrected, api):
    owner, run = corrected
    step_output = run["steps"][0]["outputs"][0]
    response = owner.get(f"/artifacts/{step_output['id']}/preview")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    data = body_of(response)
    assert data.startswith(b"\xff\xd8\xff")
    assert len(data) == run["outputs"]["preview"]["size"]


def test_every_step_output_is_downloadable(corrected, api):
    owner, run = corrected
    for step in run["steps"]:
        for artifact in step["outputs"]:
            response = owner.get(f"/artifacts/{artifact['id']}")
            assert response.status_code == 200, step["label"]
            assert len(body_of(response)) == artifact["size"]


def test_another_user_cannot_download_the_artifacts(corrected, bob: ApiClient):
    _, run = corrected
    for artifact in (run["outputs"]["image"], run["inputs"]["source"]):
        assert_problem(bob.get(f"/artifacts/{artifact['id']}"), 404)
        assert_problem(bob.get(f"/artifacts/{artifact['id']}/preview"), 404)


def test_downloading_needs_authentication(corrected, anonymous: ApiClient):
    _, run = corrected
    assert_problem(anonymous.get(f"/artifacts/{run['outputs']['image']['id']}"), 401)


def test_an_artifact_id_of_a_real_run_with_an_unknown_key_is_a_404(corrected, api):
    owner, run = corrected
    assert_problem(owner.get(f"/artifacts/{run['id']}-{'0' * 16}"), 404)


def test_a_run_without_a_preview_says_so(alice: ApiClient):
    from tests.api.media import SUBTITLE

    asset = alice.asset(SUBTITLE, "talk.srt")
    run = alice.run("test.map", asset["id"])
    problem = assert_problem(alice.get(f"/artifacts/{run['inputs']['text']['id']}/preview"), 404)
    assert "preview" in problem["detail"]
