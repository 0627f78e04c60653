"""``/assets``: uploads typed from their bytes, stored by content, refused when bad."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.api.clients import ApiClient, assert_problem, body_of
from tests.api.media import SUBTITLE, photo, small_png, truncated_jpeg


def test_an_uploaded_photo_is_stored_by_content_with_its_type_read_from_its_bytes(
    alice: ApiClient, api
):
    data = photo()
    asset = alice.asset(data, name="holiday.png")
    assert asset["media_type"] == "image/jpeg"
    assert asset["kind"] == "image"
    assert asset["size"] == len(data)
    assert asset["digest"] == hashlib.sha256(data).hexdigest()
    assert api.storage.read_bytes(f"inputs/{asset['digest'][:2]}/{asset['digest']}/holiday.jpg")


def test_an_asset_reads_back_as_metadata_and_as_bytes(alice: ApiClient):
    data = small_png()
    asset = alice.asset(data, "coffee.png")
    assert alice.get(f"/assets/{asset['id']}").json() == asset
    content = alice.get(asset["content_url"].removeprefix("/api/v1"))
    assert content.status_code == 200
    assert content["Content-Type"] == "image/png"
    assert body_of(content) == data


def test_asset_content_answers_a_range_request(alice: ApiClient):
    data = small_png()
    asset = alice.asset(data, "coffee.png")
    response = alice.get(f"/assets/{asset['id']}/content", HTTP_RANGE="bytes=8-15")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 8-15/{len(data)}"
    assert body_of(response) == data[8:16]


def test_subtitles_are_accepted_as_subtitles(alice: ApiClient):
    asset = alice.asset(SUBTITLE, "talk.srt")
    assert (asset["kind"], asset["media_type"]) == ("subtitle", "application/x-subrip")


def test_an_empty_file_is_refused_with_a_422(alice: ApiClient):
    problem = assert_problem(alice.upload(b"", "empty.jpg"), 422)
    assert "empty" in problem["detail"]


def test_a_text_file_named_jpg_is_refused_as_unsupported_media(alice: ApiClient):
    problem = assert_problem(alice.upload(b"just some notes\n" * 10, "notes.jpg"), 415)
    assert "JPEG" in problem["detail"]


def test_a_truncated_jpeg_is_accepted_at_upload_for_the_decoder_to_judge(alice: ApiClient):
    assert alice.asset(truncated_jpeg(), "cut.jpg")["media_type"] == "image/jpeg"


def test_an_upload_over_the_limit_is_refused_with_413_and_nothing_is_stored(
    alice: ApiClient, limits, tmp_path: Path
):
    # Under the limit plus the form's allowance, so the bytes are counted as they stream in.
    runtime = limits(max_upload_bytes=100_000)
    data = photo()  # 112525 bytes
    digest = hashlib.sha256(data + b"unique to this test").hexdigest()
    before = set(runtime.storage.keys("inputs"))
    problem = assert_problem(alice.upload(data + b"unique to this test"), 413)
    assert "100000 bytes" in problem["detail"]
    assert set(runtime.storage.keys("inputs")) == before
    assert not any(digest in key for key in runtime.storage.keys("inputs"))


def test_an_upload_without_a_file_field_is_a_422(alice: ApiClient):
    problem = assert_problem(alice.post_form("/assets", {"other": "x"}), 422)
    assert problem["errors"][0]["loc"][-1] == "file"


def test_another_users_asset_is_not_found(alice: ApiClient, bob: ApiClient):
    asset = alice.asset(small_png(), "coffee.png")
    assert_problem(bob.get(f"/assets/{asset['id']}"), 404)
    assert_problem(bob.get(f"/assets/{asset['id']}/content"), 404)


def test_staff_can_read_any_asset(alice: ApiClient, staff: ApiClient):
    asset = alice.asset(small_png(), "coffee.png")
    assert staff.get(f"/assets/{asset['id']}").status_code == 200


def test_uploading_needs_authentication(anonymous: ApiClient):
    assert_problem(anonymous.upload(small_png()), 401)


def test_a_malformed_asset_id_is_a_422(alice: ApiClient):
    assert_problem(alice.get("/assets/not-an-id"), 422)
