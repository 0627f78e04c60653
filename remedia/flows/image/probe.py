"""Probe: what a file is and whether it may be decoded, from its first bytes and its header.

Everything here runs before a single pixel is decoded, so a decompression bomb (a 20000x20000
PNG compresses to kilobytes) or a huge upload is refused in about a millisecond with flat memory,
and a file that is not an image gets a message that names what it looks like instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import MediaError, megapixels

ImageFormat = Literal["jpeg", "png", "tiff", "webp"]
SUPPORTED = "JPEG, PNG, TIFF or WebP"

# Formats we recognise but do not read, so the message can say what the file is.
_KNOWN_OTHERS: tuple[tuple[bytes, int, str], ...] = (
    (b"GIF87a", 0, "GIF"),
    (b"GIF89a", 0, "GIF"),
    (b"BM", 0, "BMP"),
    (b"ftypheic", 4, "HEIC"),
    (b"ftypheix", 4, "HEIC"),
    (b"ftypmif1", 4, "HEIF"),
    (b"ftypavif", 4, "AVIF"),
    (b"%PDF", 0, "PDF"),
    (b"PK\x03\x04", 0, "ZIP archive"),
    (b"8BPS", 0, "Photoshop PSD"),
)


@dataclass(frozen=True)
class Limits:
    """Ceilings checked before decoding; operators set them per flow run."""

    max_pixels: int = 100_000_000
    max_bytes: int = 200 * 1024 * 1024


def sniff_format(path: Path, limits: Limits) -> ImageFormat:
    """The container format from the magic bytes, or a MediaError saying what to fix.

    The file name's extension is ignored on purpose: users rename files, and a text file called
    ``photo.jpg`` must be reported as text, not as a broken JPEG.
    """
    size = path.stat().st_size
    if size == 0:
        raise MediaError("empty_file", "The file is empty (0 bytes). Upload the image again.")
    if size > limits.max_bytes:
        raise MediaError(
            "file_too_large",
            f"The file is {size / 2**20:.0f} MB; the limit is {limits.max_bytes / 2**20:.0f} MB. "
            "Export a smaller or more compressed version.",
        )
    with path.open("rb") as handle:
        head = handle.read(32)
    found = _image_format(head)
    if found is None:
        raise MediaError("unsupported_format", _unsupported_message(head))
    return found


def check_pixels(width: int, height: int, limits: Limits) -> None:
    """Refuse images whose decoded size would exceed the pixel ceiling (decompression bombs)."""
    if width <= 0 or height <= 0:
        raise MediaError("corrupt_file", f"The image header says {width}x{height} pixels.")
    if width * height > limits.max_pixels:
        raise MediaError(
            "too_many_pixels",
            f"The image is {megapixels(width, height)}; the limit is "
            f"{limits.max_pixels / 1e6:.0f} MP. Resize it before uploading.",
        )


def _image_format(head: bytes) -> ImageFormat | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def _unsupported_message(head: bytes) -> str:
    for magic, offset, name in _KNOWN_OTHERS:
        if head[offset : offset + len(magic)] == magic:
            return f"The file is a {name}, which is not supported. Convert it to {SUPPORTED}."
    if _looks_like_text(head):
        return f"The file contains text, not an image. Upload a {SUPPORTED} file."
    return f"The file is not a {SUPPORTED} image (unrecognised content). Upload one of those."


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text)
