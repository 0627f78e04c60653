"""``POST /runs``: a submission is validated, limited per user, and idempotent with a key."""

from __future__ import annotations

import io
import json

import pytest

from tests.api.clients import ApiClient, assert_problem
from tests.api.media import photo, small_png


def test_a_json_submission_creates_the_run_with_every_step_planned(alice: ApiClient):
    asset = alice.asset(small_png(), "coffee.png")
    response = alice.submit("image.correct", asset["id"], {"quality": 80})
    assert response.status_code == 201
    run = response.json()
    assert (run["flow"], run["asset_id"], run["owner"]) == (
        "image.correct",
        asset["id"],
        alice.user.username,
    )
    assert run["params"]["quality"] == 80
    assert [s["node"] for s in run["steps"]] == [n["key"] for n in run["dag"]["nodes"]]
    assert run["inputs"]["source"]["digest"] == asset["digest"]
    assert run["last_event_id"] != "0"


def test_a_multipart_submission_carries_its_file_in_the_same_request(alice: ApiClient):
    handle = io.BytesIO(small_png())
    handle.name = "coffee.png"
    response = alice.post_form(
        "/runs",
        {"flow": "image.correct", "params": json.dumps({"format": "png"}), "file": handle},
    )
    assert response.status_code == 201, response.content
    run = response.json()
    assert run["params"]["format"] == "png"
    assert alice.get(f"/assets/{run['asset_id']}").json()["media_type"] == "image/png"


def test_the_same_idempotency_key_returns_the_same_run(alice: ApiClient):
    asset = alice.asset(small_png(), "coffee.png")
    body = {"flow": "image.correct", "asset_id": asset["id"], "params": {}}
    first = alice.post("/runs", body, HTTP_IDEMPOTENCY_KEY="upload-42")
    again = alice.post("/runs", body, HTTP_IDEMPOTENCY_KEY="upload-42")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    listed = alice.get("/runs").json()["items"]
    assert [r["id"] for r in listed] == [first.json()["id"]]


def test_an_idempotency_key_belongs_to_its_user(alice: ApiClient, bob: ApiClient):
    mine = alice.asset(small_png(), "coffee.png")
    theirs = bob.asset(small_png(), "coffee.png")
    first = alice.post(
        "/runs", {"flow": "image.correct", "asset_id": mine["id"]}, HTTP_IDEMPOTENCY_KEY="k"
    )
    other = bob.post(
        "/runs", {"flow": "image.correct", "asset_id": theirs["id"]}, HTTP_IDEMPOTENCY_KEY="k"
    )
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]


def test_reusing_an_idempotency_key_for_another_request_is_a_409(alice: ApiClient):
    asset = alice.asset(small_png(), "coffee.png")
    alice.post(
        "/runs", {"flow": "image.correct", "asset_id": asset["id"]}, HTTP_IDEMPOTENCY_KEY="k"
    )
    changed = {"flow": "image.correct", "asset_id": asset["id"], "params": {"quality": 50}}
    problem = assert_problem(alice.post("/runs", changed, HTTP_IDEMPOTENCY_KEY="k"), 409)
    assert "Idempotency-Key" in problem["detail"]


def test_an_unknown_flow_is_a_404(alice: ApiClient):
    asset = alice.asset(small_png(), "coffee.png")
    assert_problem(alice.submit("image.fix", asset["id"]), 404)


def test_an_unknown_parameter_is_a_422_naming_it(alice: ApiClient):
    asset = alice.asset(small_png(), "coffee.png")
    problem = assert_problem(alice.submit("image.correct", asset["id"], {"sharpen": True}), 422)
    assert problem["errors"][0]["loc"] == ["body", "params", "sharpen"]


def test_an_out_of_range_parameter_is_a_422_naming_it(alice: ApiClient):
    asset = alice.asset(small_png(), "coffee.png")
    problem = assert_problem(alice.submit("image.correct", asset["id"], {"quality": 0}), 422)
    assert "quality" in problem["detail"]


def test_a_parameter_of_the_wrong_type_is_a_422(alice: ApiClient):
    asset = alice.asset(small_png(), "coffee.png")
    assert_problem(alice.submit("image.correct", asset["id"], {"quality": "high"}), 422)


def test_params_that_are_not_an_object_are_a_422(alice: ApiClient):
    asset = alice.asset(small_png(), "coffee.png")
    body = {"flow": "image.correct", "asset_id": asset["id"], "params": [1, 2]}
    problem = assert_problem(alice.post("/runs", body), 422)
    assert problem["errors"][0]["loc"] == ["body", "params"]


def test_a_version_that_is_not_a_number_is_a_422(alice: ApiClient):
    asset = alice.asset(small_png(), "coffee.png")
    body = {"flow": "image.correct", "version": "latest", "asset_id": asset["id"]}
    assert_problem(alice.post("/runs", body), 422)


def test_malformed_json_is_a_400_saying_so(alice: ApiClient):
    problem = assert_problem(alice.post("/runs", '{"flow": "image.correct",'), 400)
    assert "not valid JSON" in problem["detail"]


def test_a_missing_asset_id_is_a_422(alice: ApiClient):
    problem = assert_problem(alice.post("/runs", {"flow": "image.correct"}), 422)
    assert problem["errors"][0]["loc"] == ["body", "asset_id"]


def test_another_users_asset_cannot_be_submitted(alice: ApiClient, bob: ApiClient):
    asset = alice.asset(small_png(), "coffee.png")
    assert_problem(bob.submit("image.correct", asset["id"]), 404)


def test_submissions_past_the_limit_are_refused_with_429_and_retry_after(alice: ApiClient, limits):
    limits(submissions_per_window=2, submission_window_seconds=3600)
    asset = alice.asset(photo(), "rocket.jpg")
    for _ in range(2):
        assert alice.submit("image.correct", asset["id"]).status_code == 201
    response = alice.submit("image.correct", asset["id"])
    problem = assert_problem(response, 429)
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "2 runs" in problem["detail"]


def test_submitting_needs_authentication(anonymous: ApiClient):
    assert_problem(anonymous.submit("image.correct", "0" * 32), 401)


def test_a_body_of_another_content_type_is_a_415(alice: ApiClient):
    response = alice.client.post("/api/v1/runs", "flow=x", content_type="text/plain")
    assert_problem(response, 415)


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '"image.correct"',
        "null",
        '{"flow": 5, "asset_id": "x"}',
        '{"flow": "a", "asset_id": 7}',
    ],
    ids=["array", "string", "null", "flow-number", "asset-number"],
)
def test_a_body_of_the_wrong_shape_is_a_422(alice: ApiClient, body: str):
    assert_problem(alice.post("/runs", body), 422)


def test_two_simultaneous_requests_with_one_key_make_one_run(alice: ApiClient):
    import threading

    from django.db import connections

    asset = alice.asset(small_png(), "coffee.png")
    body = {"flow": "image.correct", "asset_id": asset["id"], "params": {}}
    start = threading.Barrier(2)
    answers: list[tuple[int, str]] = []

    def submit() -> None:
        try:
            start.wait()
            response = alice.post("/runs", body, HTTP_IDEMPOTENCY_KEY="twice-at-once")
            answers.append((response.status_code, response.json().get("id", "")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    assert [r["id"] for r in alice.get("/runs").json()["items"]] == [answers[0][1]]
