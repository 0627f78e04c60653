"""``remedia run`` and ``remedia flows`` as a user types them, against real photos."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from PIL import Image

from tests.media import bundled_photo, write_png_bomb, write_truncated_copy

from .conftest import REMEDIA, Cli


def test_run_corrects_a_photo_and_writes_the_image_and_its_preview(remedia: Cli, tmp_path: Path):
    result = remedia("run", "image.correct", bundled_photo("rocket.jpg"), "-o", "out/rocket.jpg")
    assert result.returncode == 0, result.stderr
    image, preview = tmp_path / "out/rocket.jpg", tmp_path / "out/rocket.preview.jpg"
    assert f"image: {Path('out/rocket.jpg')}" in result.stdout
    with Image.open(image) as decoded:
        assert decoded.format == "JPEG"
        assert decoded.size == (640, 427)
    with Image.open(preview) as small:
        assert max(small.size) <= 640


def test_output_suffix_chooses_the_format(remedia: Cli, tmp_path: Path):
    result = remedia("run", "image.correct", bundled_photo("chelsea.png"), "-o", "cat.webp")
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "cat.webp") as decoded:
        assert decoded.format == "WEBP"


def test_json_summary_lists_every_step_and_the_outputs(remedia: Cli, tmp_path: Path):
    result = remedia("run", "image.correct", bundled_photo("coffee.png"), "-o", "c.png", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["state"] == "COMPLETED"
    assert summary["error"] is None
    assert set(summary["outputs"]) == {"image", "preview"}
    assert all(step["state"] == "COMPLETED" for step in summary["steps"])
    assert {"decode", "encode"} <= {step["step"] for step in summary["steps"]}


def test_a_second_identical_run_takes_cached_steps(remedia: Cli):
    photo = bundled_photo("astronaut.png")
    first = remedia("run", "image.correct", photo, "-o", "a.jpg", "--json")
    second = remedia("run", "image.correct", photo, "-o", "b.jpg", "--json")
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    states = {step["step"]: step["state"] for step in json.loads(second.stdout)["steps"]}
    assert "CACHED" in states.values(), states


def test_a_parameter_changes_the_steps_that_run(remedia: Cli):
    photo = bundled_photo("chelsea.png")
    result = remedia(
        "run", "image.correct", photo, "-o", "x.jpg", "-p", "local_contrast=true", "--json"
    )
    assert result.returncode == 0, result.stderr
    steps = [step["step"] for step in json.loads(result.stdout)["steps"]]
    assert "local_contrast" in steps, steps


def _assert_clean_failure(result: subprocess.CompletedProcess[str], code: int, *words: str):
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.startswith("remedia:")]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0].lower(), lines[0]


def test_an_empty_file_fails_with_a_reason(remedia: Cli, tmp_path: Path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    _assert_clean_failure(remedia("run", "image.correct", "empty.jpg", "-o", "o.jpg"), 1, "empty")


def test_a_text_file_named_jpg_fails_with_a_reason(remedia: Cli, tmp_path: Path):
    (tmp_path / "notes.jpg").write_text("these are my holiday notes, not a photo\n")
    result = remedia("run", "image.correct", "notes.jpg", "-o", "o.jpg")
    _assert_clean_failure(result, 1, "decode")


def test_a_truncated_jpeg_fails_with_a_reason(remedia: Cli, tmp_path: Path):
    write_truncated_copy(bundled_photo("rocket.jpg"), tmp_path / "cut.jpg")
    result = remedia("run", "image.correct", "cut.jpg", "-o", "o.jpg")
    _assert_clean_failure(result, 1, "truncated_file")
    assert not (tmp_path / "o.jpg").exists()


def test_a_decompression_bomb_is_refused_by_its_size(remedia: Cli, tmp_path: Path):
    write_png_bomb(tmp_path / "bomb.png")
    result = remedia("run", "image.correct", "bomb.png", "-o", "o.png", timeout=60)
    _assert_clean_failure(result, 1, "20000x20000")


def test_an_unknown_flow_is_named_with_a_suggestion(remedia: Cli):
    result = remedia("run", "image.corect", bundled_photo("rocket.jpg"))
    _assert_clean_failure(result, 2, "image.corect", "did you mean image.correct")


def test_an_unknown_parameter_is_refused_before_anything_runs(remedia: Cli, tmp_path: Path):
    result = remedia("run", "image.correct", bundled_photo("rocket.jpg"), "-p", "sparkle=1")
    _assert_clean_failure(result, 2, "sparkle")
    assert not (tmp_path / "storage").exists() or not any((tmp_path / "storage").rglob("runs"))


def test_an_out_of_range_parameter_is_refused_with_its_bounds(remedia: Cli):
    result = remedia("run", "image.correct", bundled_photo("rocket.jpg"), "-p", "quality=1000")
    _assert_clean_failure(result, 2, "quality", "100")


def test_a_missing_input_file_is_named(remedia: Cli):
    _assert_clean_failure(remedia("run", "image.correct", "nowhere.jpg"), 2, "nowhere.jpg")


def test_ctrl_c_cancels_the_run_and_leaves_no_output(tmp_path: Path, cli_env: dict[str, str]):
    source = tmp_path / "in.txt"
    source.write_text("some bytes\n")
    cli_env["REMEDIA_FLOW_MODULES"] = "tests.acceptance.slow_flows"
    process = subprocess.Popen(
        [str(REMEDIA), "run", "test.slow_copy", str(source), "-o", "out.txt", "--json"],
        cwd=tmp_path,
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    inputs = tmp_path / "storage" / "inputs"
    deadline = time.monotonic() + 30
    while not inputs.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    time.sleep(1.0)  # the input is stored; give the step time to start before the interrupt
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert json.loads(stdout)["state"] == "CANCELLED"
    assert not (tmp_path / "out.txt").exists()
    assert not [p for p in (tmp_path / "storage" / "runs").rglob("*") if p.is_file()]


def test_flows_lists_image_correct_with_its_steps_and_parameters(remedia: Cli):
    result = remedia("flows", "--json")
    assert result.returncode == 0, result.stderr
    flows = {f["name"]: f for f in json.loads(result.stdout)}
    image = flows["image.correct"]
    assert image["version"] >= 1
    assert "decode" in image["steps"] and "encode" in image["steps"]
    assert "quality" in image["parameters"]["properties"]
