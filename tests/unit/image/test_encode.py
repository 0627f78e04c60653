"""Encoding: formats, the metadata policy (strip or keep), and what the files say about colour."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from remedia.flows.image.decode import decode_image
from remedia.flows.image.encode import encode_image

from .files import GPS_IFD, ORIENTATION, save_rotated_jpeg, save_with_gps
from .photos import photo


@pytest.fixture
def phone_photo(tmp_path: Path) -> Path:
    return save_with_gps(photo("astronaut"), tmp_path / "phone.jpg")


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("output_format", ["jpeg", "png", "webp"])
def test_each_format_decodes_back_to_the_same_size(output_format: str) -> None:
    pixels = photo("coffee")
    image = reopen(encode_image(pixels, output_format))  # type: ignore[arg-type]
    assert image.format == output_format.upper()
    assert image.size == (pixels.shape[1], pixels.shape[0])


def test_png_output_is_lossless() -> None:
    pixels = photo("chelsea")
    assert np.array_equal(np.asarray(reopen(encode_image(pixels, "png"))), pixels)


def test_stripping_removes_gps_exif_xmp_and_profile(phone_photo: Path) -> None:
    decoded = decode_image(phone_photo)
    image = reopen(encode_image(decoded.pixels, "jpeg", exif=decoded.exif, xmp=decoded.xmp))
    assert len(image.getexif()) == 0
    assert "xmp" not in image.info
    assert "icc_profile" not in image.info


def test_keeping_metadata_keeps_gps_and_xmp_and_embeds_srgb(phone_photo: Path) -> None:
    decoded = decode_image(phone_photo)
    data = encode_image(
        decoded.pixels, "jpeg", exif=decoded.exif, xmp=decoded.xmp, keep_metadata=True
    )
    image = reopen(data)
    assert image.getexif().get_ifd(GPS_IFD).get(1) == "N"
    assert "xmp" in image.info
    profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
    assert "sRGB" in ImageCms.getProfileDescription(profile)


def test_kept_exif_says_upright(tmp_path: Path) -> None:
    decoded = decode_image(save_rotated_jpeg(photo("chelsea"), 8, tmp_path / "r.jpg"))
    image = reopen(encode_image(decoded.pixels, "jpeg", exif=decoded.exif, keep_metadata=True))
    assert image.getexif().get(ORIENTATION, 1) == 1
