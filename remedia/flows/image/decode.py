"""Decode: any supported file -> upright, 8-bit, 3-channel sRGB pixels plus its metadata.

Pillow does the work. libvips decoded JPEG about twice as fast, but its thread pool deadlocks
in a process forked after the parent used it, and steps run in forked processes (the local
executor, Celery's prefork pool): a hang is worse than 100 ms. Pillow reads only the header on
``open``, which is what lets ``probe`` refuse bombs before any pixel is decoded.

The normalisation order follows MEDIA.md section 3: orientation, then the embedded ICC profile
to sRGB (a photo tagged Adobe RGB decoded naively loses saturation, mean dE00 2.8), then alpha
flattened onto white and depth reduced to 8 bits.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from .errors import MediaError, megapixels
from .probe import ImageFormat, Limits, check_pixels, sniff_format

ORIENTATION_TAG = 0x0112
_SRGB = ImageCms.createProfile("sRGB")
STRIP_ROWS = 256


@dataclass(frozen=True)
class Decoded:
    """Pixels ready for correction, and what the encoder may carry over if asked to."""

    pixels: np.ndarray
    source_format: ImageFormat
    exif: bytes | None = None
    xmp: bytes | None = None
    notes: list[str] = field(default_factory=list)


def decode_image(path: Path, limits: Limits | None = None) -> Decoded:
    """Decode ``path`` or raise a MediaError that says what is wrong with the file."""
    limits = limits or Limits()
    source_format = sniff_format(path, limits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = _open(path, source_format)
        check_pixels(image.width, image.height, limits)
        info = dict(image.info)
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _decode_error(source_format, exc) from None
    notes: list[str] = []
    orientation = image.getexif().get(ORIENTATION_TAG, 1)
    if orientation != 1:
        image = ImageOps.exif_transpose(image)
        notes.append(f"rotated upright from EXIF orientation {orientation}")
    pixels = _to_srgb8(image, info.get("icc_profile"), notes)
    xmp = info.get("xmp")
    xmp = xmp.encode() if isinstance(xmp, str) else xmp
    return Decoded(pixels, source_format, _upright(info.get("exif")), xmp or None, notes)


def _open(path: Path, source_format: ImageFormat) -> Image.Image:
    try:
        return Image.open(path)
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = _header_size(path) or (
            f"{int(found.group(1)) / 1e6:.0f} MP" if found else "far more pixels than a photo"
        )
        raise MediaError(
            "too_many_pixels",
            f"The image is {size}, refused before decoding (a decompression bomb?). "
            "Resize it before uploading.",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _decode_error(source_format, exc) from None


def _header_size(path: Path) -> str | None:
    """``WxH = N MP`` from the header alone: the bomb check is lifted only to read the size,
    and nothing is decoded."""
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        with Image.open(path) as header:
            return megapixels(*header.size)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def _to_srgb8(image: Image.Image, profile: bytes | None, notes: list[str]) -> np.ndarray:
    """Colour-manage to sRGB, flatten alpha, and reduce to 3 channels of 8 bits."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        grey = (np.asarray(image, dtype=np.uint32) >> 8).clip(0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if profile and not _is_srgb(profile) and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        alpha = image.getchannel("A") if image.mode == "RGBA" else None
        image = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        notes.append(f"converted from {_profile_name(profile)} to sRGB")
        if alpha is not None:
            image.putalpha(alpha)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
        notes.append("transparency flattened onto white")
    if image.mode != "RGB":
        image = image.convert("RGB")
    return _to_array(image)


def _to_array(image: Image.Image) -> np.ndarray:
    """Copy an RGB image into numpy strip by strip.

    ``np.asarray`` and ``tobytes`` both hold two whole-image copies at once (the joined bytes
    and the array), +36 MB at 12 MP on top of Pillow's own 48 MB; strips keep it to one.
    """
    width, height = image.size
    pixels = np.empty((height, width, 3), dtype=np.uint8)
    for top in range(0, height, STRIP_ROWS):
        bottom = min(height, top + STRIP_ROWS)
        strip = image.crop((0, top, width, bottom)).tobytes()
        pixels[top:bottom] = np.frombuffer(strip, np.uint8).reshape(bottom - top, width, 3)
    return pixels


def _is_srgb(profile: bytes) -> bool:
    """True for sRGB-like profiles, which need no conversion (saves a full-image pass)."""
    return "srgb" in _profile_name(profile).lower().replace(" ", "")


def _profile_name(profile: bytes) -> str:
    try:
        parsed = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.getProfileDescription(parsed).strip() or "an unnamed profile"
    except (OSError, ImageCms.PyCMSError):
        return "an unreadable profile"


def _upright(exif: bytes | None) -> bytes | None:
    """The EXIF block with Orientation reset to 1, since the pixels are now upright."""
    if not exif:
        return None
    parsed = Image.Exif()
    try:
        parsed.load(exif)
    except (SyntaxError, ValueError, OSError, KeyError):
        return None
    if ORIENTATION_TAG in parsed:
        parsed[ORIENTATION_TAG] = 1
    return parsed.tobytes()


def _decode_error(source_format: ImageFormat, exc: Exception) -> MediaError:
    detail = str(exc).lower()
    name = source_format.upper()
    if "truncated" in detail or "premature end" in detail or isinstance(exc, EOFError):
        return MediaError(
            "truncated_file",
            f"The {name} file is cut short (an incomplete upload or copy). Upload it again.",
        )
    return MediaError(
        "corrupt_file",
        f"The file looks like {name} but cannot be decoded; it may be damaged. "
        "Re-export it from the original.",
    )
