"""Files that pass the upload's type check but cannot be corrected end FAILED with the reason."""

from __future__ import annotations

from pathlib import Path

from tests.api.clients import ApiClient
from tests.api.media import png_bomb, truncated_jpeg


def _decode_step(run: dict) -> dict:
    return next(s for s in run["steps"] if s["node"] == "decode")


def test_a_truncated_jpeg_fails_its_run_at_decode_with_the_reason(alice: ApiClient):
    asset = alice.asset(truncated_jpeg(), "cut.jpg")
    run = alice.wait(alice.run("image.correct", asset["id"])["id"], timeout=120)
    assert run["state"] == "FAILED"
    decode = _decode_step(run)
    assert decode["state"] == "FAILED"
    assert decode["error"] and decode["error_code"]
    assert all(s["state"] == "SKIPPED" for s in run["steps"] if s["node"] != "decode")


def test_a_png_bomb_fails_its_run_at_decode_naming_its_size(alice: ApiClient, tmp_path: Path):
    asset = alice.asset(png_bomb(tmp_path), "bomb.png")
    run = alice.wait(alice.run("image.correct", asset["id"])["id"], timeout=120)
    assert run["state"] == "FAILED"
    decode = _decode_step(run)
    assert "20000" in decode["error"]
    assert decode["attempt"] == 1
