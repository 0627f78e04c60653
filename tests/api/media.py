"""Files to upload: real photos from scikit-image, subtitles, and bad files made on the spot."""

from __future__ import annotations

from pathlib import Path

from tests.media import bundled_photo, write_png_bomb

SUBTITLE = (
    b"1\n00:00:01,000 --> 00:00:02,500\nhello there\n\n2\n00:00:03,000 --> 00:00:04,000\nbye\n"
)


def photo() -> bytes:
    return bundled_photo("rocket.jpg").read_bytes()


def small_png() -> bytes:
    return bundled_photo("coffee.png").read_bytes()


def truncated_jpeg() -> bytes:
    data = photo()
    return data[: len(data) // 2]


def png_bomb(folder: Path) -> bytes:
    return write_png_bomb(folder / "bomb.png").read_bytes()
