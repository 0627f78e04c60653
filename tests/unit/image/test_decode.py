"""Decoding: every supported format, EXIF orientation, ICC conversion, and refusing bad files."""

from __future__ import annotations

import io
import resource
import time
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageCms
from skimage.color import deltaE_ciede2000, rgb2lab

from remedia.flows.image.decode import decode_image
from remedia.flows.image.errors import MediaError
from remedia.flows.image.probe import Limits

from .files import png_bomb, save_rotated_jpeg
from .photos import photo

ROCKET = Path(skimage.data.__file__).parent / "rocket.jpg"


@pytest.fixture(scope="module")
def upright() -> np.ndarray:
    """A small, non-square, asymmetric real photo."""
    return np.asarray(Image.fromarray(photo("chelsea")).resize((150, 100)))


@pytest.mark.parametrize("orientation", range(2, 9))
def test_exif_rotated_jpeg_comes_out_upright(
    tmp_path: Path, upright: np.ndarray, orientation: int
) -> None:
    path = save_rotated_jpeg(upright, orientation, tmp_path / "rotated.jpg")
    decoded = decode_image(path)
    assert decoded.pixels.shape == upright.shape
    error = np.abs(decoded.pixels.astype(int) - upright.astype(int)).mean()
    assert error < 4.0


def test_rotated_jpeg_keeps_exif_with_orientation_reset(
    tmp_path: Path, upright: np.ndarray
) -> None:
    decoded = decode_image(save_rotated_jpeg(upright, 6, tmp_path / "rotated.jpg"))
    exif = Image.Exif()
    assert decoded.exif is not None
    exif.load(decoded.exif)
    assert exif.get(0x0112, 1) == 1


def test_adobe_rgb_photo_is_converted_to_srgb() -> None:
    source = Image.open(ROCKET)
    profile = ImageCms.ImageCmsProfile(io.BytesIO(source.info["icc_profile"]))
    reference = ImageCms.profileToProfile(
        source, profile, ImageCms.createProfile("sRGB"), outputMode="RGB"
    )
    decoded = decode_image(ROCKET).pixels
    difference = deltaE_ciede2000(rgb2lab(decoded), rgb2lab(np.asarray(reference)))
    assert float(difference.mean()) <= 1.0
    assert float(np.percentile(difference, 95)) <= 2.0


def test_ignoring_the_adobe_rgb_profile_would_have_been_visible() -> None:
    decoded = decode_image(ROCKET).pixels
    naive = np.asarray(Image.open(ROCKET).convert("RGB"))
    assert float(deltaE_ciede2000(rgb2lab(decoded), rgb2lab(naive)).mean()) > 2.0


@pytest.mark.parametrize("suffix", [".png", ".tif", ".webp"])
def test_lossless_formats_decode_to_the_same_pixels(tmp_path: Path, suffix: str) -> None:
    pixels = photo("coffee")
    path = tmp_path / f"coffee{suffix}"
    Image.fromarray(pixels).save(path, **({"lossless": True} if suffix == ".webp" else {}))
    assert np.array_equal(decode_image(path).pixels, pixels)


def test_transparent_png_is_flattened_onto_white(tmp_path: Path) -> None:
    rgba = np.zeros((20, 30, 4), np.uint8)
    rgba[:, :15] = (200, 10, 10, 255)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    pixels = decode_image(tmp_path / "alpha.png").pixels
    assert pixels.shape == (20, 30, 3)
    assert tuple(pixels[0, 0]) == (200, 10, 10)
    assert tuple(pixels[0, -1]) == (255, 255, 255)


def test_greyscale_jpeg_becomes_three_channels(tmp_path: Path) -> None:
    Image.fromarray(skimage.data.camera()).save(tmp_path / "grey.jpg")
    assert decode_image(tmp_path / "grey.jpg").pixels.shape == (512, 512, 3)


def refusal(path: Path, limits: Limits | None = None) -> MediaError:
    with pytest.raises(MediaError) as caught:
        decode_image(path, limits)
    return caught.value


def test_empty_file_is_refused_as_empty(tmp_path: Path) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    error = refusal(tmp_path / "empty.jpg")
    assert error.code == "empty_file"
    assert "empty" in str(error)


def test_text_file_named_jpg_is_refused_as_text(tmp_path: Path) -> None:
    (tmp_path / "notes.jpg").write_text("shopping list: eggs, milk\n")
    error = refusal(tmp_path / "notes.jpg")
    assert error.code == "unsupported_format"
    assert "text" in str(error)


def test_truncated_jpeg_is_refused_as_cut_short(tmp_path: Path) -> None:
    whole = io.BytesIO()
    Image.fromarray(photo("astronaut")).save(whole, "JPEG", quality=90)
    (tmp_path / "cut.jpg").write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    error = refusal(tmp_path / "cut.jpg")
    assert error.code == "truncated_file"
    assert "cut short" in str(error)


def test_png_bomb_is_refused_fast_without_decoding(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bomb(20_000, 20_000))
    assert bomb.stat().st_size < 200_000
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    error = refusal(bomb)
    assert time.perf_counter() - started < 1.0
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mb < 50
    assert error.code == "too_many_pixels"
    assert "400 MP" in str(error)


def test_gif_is_refused_as_unsupported_and_named(tmp_path: Path) -> None:
    Image.fromarray(photo("chelsea")).save(tmp_path / "cat.gif")
    error = refusal(tmp_path / "cat.gif")
    assert error.code == "unsupported_format"
    assert "GIF" in str(error)
    assert "JPEG, PNG, TIFF or WebP" in str(error)


def test_file_over_the_size_ceiling_is_refused_before_reading(tmp_path: Path) -> None:
    Image.fromarray(photo("coffee")).save(tmp_path / "coffee.png")
    error = refusal(tmp_path / "coffee.png", Limits(max_bytes=10_000))
    assert error.code == "file_too_large"


def test_garbage_after_a_jpeg_signature_is_refused_as_corrupt(tmp_path: Path) -> None:
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8)
    error = refusal(tmp_path / "broken.jpg")
    assert error.code in ("corrupt_file", "truncated_file")
