"""A file's type is read from its first bytes, never from its name."""

from __future__ import annotations

import pytest

from remedia.api.media_types import MediaKind, detect
from tests.media import bundled_photo

HEADS = {
    "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg", MediaKind.IMAGE),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", MediaKind.IMAGE),
    "tiff-le": (b"II*\x00\x08\x00\x00\x00", "image/tiff", MediaKind.IMAGE),
    "tiff-be": (b"MM\x00*\x00\x00\x00\x08", "image/tiff", MediaKind.IMAGE),
    "webp": (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp", MediaKind.IMAGE),
    "wav": (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav", MediaKind.AUDIO),
    "flac": (b"fLaC\x00\x00\x00\x22", "audio/flac", MediaKind.AUDIO),
    "mp3-id3": (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg", MediaKind.AUDIO),
    "mp3-frame": (b"\xff\xfb\x90\x64\x00\x00\x00\x00", "audio/mpeg", MediaKind.AUDIO),
    "ogg": (b"OggS\x00\x02\x00\x00", "audio/ogg", MediaKind.AUDIO),
    "m4a": (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4", MediaKind.AUDIO),
    "mp4": (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", "video/mp4", MediaKind.VIDEO),
    "mov": (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "video/quicktime", MediaKind.VIDEO),
    "mkv": (b"\x1aE\xdf\xa3\x9fB\x86\x81\x01", "video/x-matroska", MediaKind.VIDEO),
    "vtt": (b"WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n", "text/vtt", MediaKind.SUBTITLE),
    "srt": (b"1\n00:00:01,000 --> 00:00:02,000\nhi\n", "application/x-subrip", MediaKind.SUBTITLE),
    "srt-bom": (
        b"\xef\xbb\xbf1\r\n00:00:01,000 --> 00:00:02,000\r\nhi\r\n",
        "application/x-subrip",
        MediaKind.SUBTITLE,
    ),
}


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_each_supported_kind_is_recognised_from_its_magic_number(kind: str):
    head, media_type, media_kind = HEADS[kind]
    found = detect(head)
    assert found is not None
    assert (found.media_type, found.kind) == (media_type, media_kind)


def test_a_real_photo_is_recognised():
    found = detect(bundled_photo("rocket.jpg").read_bytes()[:64])
    assert found is not None and found.media_type == "image/jpeg"


@pytest.mark.parametrize(
    "head",
    [b"", b"just some notes about a photo\n", b"<html><body>", b"%PDF-1.7\n", b"PK\x03\x04zip"],
    ids=["empty", "text", "html", "pdf", "zip"],
)
def test_content_that_is_no_supported_media_is_not_recognised(head: bytes):
    assert detect(head) is None
