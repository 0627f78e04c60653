"""Encode: the deliverable file, and a small preview, with an explicit metadata policy.

Stripping is the default and goes through OpenCV's encoders, which write no EXIF, XMP or ICC
at all (and were the fastest JPEG encoder measured here: ~35 ms at 12 MP, vs ~70 ms for Pillow
and libvips). Keeping metadata goes through Pillow, which writes exactly what it is given: the
EXIF with Orientation reset to 1, the XMP, and an sRGB profile, since the pixels are sRGB now.
"""

from __future__ import annotations

import io
from typing import Literal

import cv2
import numpy as np
from PIL import Image, ImageCms

from .errors import MediaError

OutputFormat = Literal["jpeg", "png", "webp"]
SUFFIXES: dict[OutputFormat, str] = {"jpeg": ".jpg", "png": ".png", "webp": ".webp"}
MEDIA_TYPES: dict[OutputFormat, str] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}
PNG_COMPRESSION = 4  # zlib level: within ~3% of level 9's size at a third of its time


def encode_image(
    pixels: np.ndarray,
    output_format: OutputFormat,
    *,
    quality: int = 90,
    exif: bytes | None = None,
    xmp: bytes | None = None,
    keep_metadata: bool = False,
) -> bytes:
    """The encoded file. Metadata is written only when ``keep_metadata`` is true."""
    if keep_metadata:
        return _encode_with_metadata(pixels, output_format, quality, exif, xmp)
    return _encode_bare(pixels, output_format, quality)


def _encode_bare(pixels: np.ndarray, output_format: OutputFormat, quality: int) -> bytes:
    options = {
        "jpeg": [cv2.IMWRITE_JPEG_QUALITY, quality],
        "png": [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION],
        "webp": [cv2.IMWRITE_WEBP_QUALITY, quality],
    }[output_format]
    bgr = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(SUFFIXES[output_format], bgr, options)
    if not ok:
        raise MediaError("unsupported_option", f"could not encode the image as {output_format}")
    return encoded.tobytes()


def _encode_with_metadata(
    pixels: np.ndarray,
    output_format: OutputFormat,
    quality: int,
    exif: bytes | None,
    xmp: bytes | None,
) -> bytes:
    image = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
    options: dict[str, object] = {"icc_profile": _srgb_profile()}
    if exif:
        options["exif"] = exif
    if xmp:
        options["xmp"] = xmp
    if output_format == "png":
        options["compress_level"] = PNG_COMPRESSION
    else:
        options["quality"] = quality
    buffer = io.BytesIO()
    image.save(buffer, format=output_format.upper(), **options)
    return buffer.getvalue()


def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
