"""image.correct run through the local executor on a real photo, each step in its own process."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from remedia.executor import LocalExecutor
from remedia.executor.states import RunState, StepState
from remedia.flows import Artifact, catalogue, decode_value, load_flow_modules
from remedia.storage import LocalStorage

from .files import GPS_IFD, save_with_gps
from .photos import CASTS, degrade, photo, residual_cast


def upload(storage: LocalStorage, path: Path) -> Artifact:
    stored = storage.put_file(f"inputs/{path.name}", path)
    return Artifact(key=stored.key, digest=stored.digest, size=stored.size, name=path.name)


def output_image(storage: LocalStorage, value: object) -> Image.Image:
    artifact = decode_value(value)
    assert isinstance(artifact, Artifact)
    image = Image.open(io.BytesIO(storage.read_bytes(artifact.key)))
    image.load()
    return image


def test_a_warm_photo_is_corrected_end_to_end(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "storage")
    original = photo("chelsea")
    source = save_with_gps(degrade(original, CASTS["warm"]), tmp_path / "warm.jpg")
    load_flow_modules()
    run = LocalExecutor(storage, workers=2).run(
        catalogue.flow("image.correct"), {"source": upload(storage, source)}, {"denoise": True}
    )
    assert run.state == RunState.COMPLETED, run.error
    assert all(s.state == StepState.COMPLETED for s in run.steps.values())
    image = output_image(storage, run.outputs["image"])
    assert image.format == "JPEG"
    assert image.size == (original.shape[1], original.shape[0])
    assert not image.getexif().get_ifd(GPS_IFD)
    assert residual_cast(np.asarray(image), original) < residual_cast(
        degrade(original, CASTS["warm"]), original
    )
    preview = output_image(storage, run.outputs["preview"])
    assert preview.format == "JPEG"
    assert max(preview.size) <= 512


def test_a_text_file_fails_the_decode_step_with_its_message(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "storage")
    (tmp_path / "notes.jpg").write_text("not a photo\n")
    load_flow_modules()
    run = LocalExecutor(storage).run(
        catalogue.flow("image.correct"), {"source": upload(storage, tmp_path / "notes.jpg")}, {}
    )
    assert run.state == RunState.FAILED
    decode = run.steps[("decode", None)]
    assert decode.state == StepState.FAILED
    assert decode.error_code == "unsupported_format"
    assert decode.attempt == 1
