"""What a file is, told from its first bytes (magic numbers), never from its name.

A text file named ``photo.jpg`` is text: trusting the name would hand it to a decoder and fail
later with a worse message. Only kinds a flow can work on are accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

SNIFF_BYTES = 64


class MediaKind(StrEnum):
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    SUBTITLE = "subtitle"


@dataclass(frozen=True)
class Detected:
    media_type: str
    kind: MediaKind
    suffix: str


_SRT_START = re.compile(rb"^\s*\d+\s*\r?\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{3}\s*-->")
_FTYP_VIDEO = {b"qt  ": ("video/quicktime", ".mov")}
_FTYP_AUDIO = {b"M4A ", b"M4B ", b"M4P "}


def _iso_media(head: bytes) -> Detected | None:
    if head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in _FTYP_AUDIO:
        return Detected("audio/mp4", MediaKind.AUDIO, ".m4a")
    if brand in (b"avif", b"avis"):
        return Detected("image/avif", MediaKind.IMAGE, ".avif")
    if brand in (b"heic", b"heix", b"mif1"):
        return Detected("image/heic", MediaKind.IMAGE, ".heic")
    media_type, suffix = _FTYP_VIDEO.get(brand, ("video/mp4", ".mp4"))
    return Detected(media_type, MediaKind.VIDEO, suffix)


def _riff(head: bytes) -> Detected | None:
    if head[:4] != b"RIFF":
        return None
    form = head[8:12]
    if form == b"WEBP":
        return Detected("image/webp", MediaKind.IMAGE, ".webp")
    if form == b"WAVE":
        return Detected("audio/wav", MediaKind.AUDIO, ".wav")
    if form == b"AVI ":
        return Detected("video/x-msvideo", MediaKind.VIDEO, ".avi")
    return None


_PREFIXES: tuple[tuple[bytes, Detected], ...] = (
    (b"\xff\xd8\xff", Detected("image/jpeg", MediaKind.IMAGE, ".jpg")),
    (b"\x89PNG\r\n\x1a\n", Detected("image/png", MediaKind.IMAGE, ".png")),
    (b"II*\x00", Detected("image/tiff", MediaKind.IMAGE, ".tif")),
    (b"MM\x00*", Detected("image/tiff", MediaKind.IMAGE, ".tif")),
    (b"GIF87a", Detected("image/gif", MediaKind.IMAGE, ".gif")),
    (b"GIF89a", Detected("image/gif", MediaKind.IMAGE, ".gif")),
    (b"fLaC", Detected("audio/flac", MediaKind.AUDIO, ".flac")),
    (b"ID3", Detected("audio/mpeg", MediaKind.AUDIO, ".mp3")),
    (b"OggS", Detected("audio/ogg", MediaKind.AUDIO, ".ogg")),
    (b"\x1aE\xdf\xa3", Detected("video/x-matroska", MediaKind.VIDEO, ".mkv")),
    (b"\xef\xbb\xbfWEBVTT", Detected("text/vtt", MediaKind.SUBTITLE, ".vtt")),
    (b"WEBVTT", Detected("text/vtt", MediaKind.SUBTITLE, ".vtt")),
)


def detect(head: bytes) -> Detected | None:
    """The media type of a file from its first ``SNIFF_BYTES`` bytes, or None if unsupported."""
    for prefix, found in _PREFIXES:
        if head.startswith(prefix):
            return found
    for probe in (_riff, _iso_media):
        found_media = probe(head)
        if found_media is not None:
            return found_media
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return Detected("audio/mpeg", MediaKind.AUDIO, ".mp3")  # an MPEG audio frame header
    if _SRT_START.match(head.removeprefix(b"\xef\xbb\xbf")):
        return Detected("application/x-subrip", MediaKind.SUBTITLE, ".srt")
    return None


SUPPORTED = (
    "JPEG, PNG, TIFF, WebP, GIF, AVIF, HEIC images; WAV, FLAC, MP3, Ogg, M4A audio; "
    "MP4, QuickTime, Matroska/WebM, AVI video; SRT and WebVTT subtitles"
)
