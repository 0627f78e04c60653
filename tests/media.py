"""Test media: real photos that ship inside scikit-image, and bad files made on the spot."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import skimage.data

SKIMAGE_DATA = Path(skimage.data.__file__).parent


def bundled_photo(name: str) -> Path:
    """A photo file inside scikit-image's wheel, e.g. ``rocket.jpg`` (Adobe RGB tagged)."""
    path = SKIMAGE_DATA / name
    assert path.is_file(), f"{name} is not in scikit-image's bundled data at {SKIMAGE_DATA}"
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def write_png_bomb(path: Path, width: int = 20000, height: int = 20000) -> Path:
    """A valid 1-bit PNG of ``width`` x ``height`` that compresses to a few tens of KB.

    Decoded it would need width*height pixels of memory: the point is that it is refused from
    its header.
    """
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat)
    path.write_bytes(png + _chunk(b"IEND", b""))
    return path


def write_truncated_copy(source: Path, path: Path, keep: float = 0.5) -> Path:
    """The first ``keep`` share of ``source``'s bytes, as a download cut short would leave."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path
