"""Files the decode tests write: real photos saved as JPEG/PNG/TIFF/WebP, bombs, broken files."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

#: Pillow transpose that undoes each EXIF orientation, as PIL.ImageOps.exif_transpose does.
UNDO = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
#: ... and the transpose that produces what a camera stores for that orientation.
DO = {**UNDO, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def save_rotated_jpeg(upright: np.ndarray, orientation: int, path: Path) -> Path:
    """A JPEG whose pixels are stored sideways/mirrored and tagged to be shown upright."""
    stored = Image.fromarray(upright).transpose(DO[orientation])
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    stored.save(path, quality=95, exif=exif.tobytes())
    return path


def save_with_gps(pixels: np.ndarray, path: Path) -> Path:
    """A JPEG carrying EXIF with a GPS position and an XMP packet, as phones write."""
    exif = Image.Exif()
    exif[0x010F] = "ExampleCam"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 30.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    Image.fromarray(pixels).save(path, quality=92, exif=exif.tobytes(), xmp=xmp)
    return path


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG of ``width`` x ``height`` zeros: kilobytes on disk."""
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = compressor.compress(row * height) + compressor.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )
