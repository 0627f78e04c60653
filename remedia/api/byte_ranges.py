"""Serving stored files with HTTP Range support (RFC 9110 section 14), for downloads and players.

One range per request: a browser's media element and a resuming download ask for one. A
``Range`` header that cannot be parsed, or asks for several ranges, is ignored and the whole
file is sent (as the RFC allows); one that starts past the end is a 416.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from django.http import HttpRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header

from remedia.storage import ObjectNotFound, Storage
from remedia.storage.base import CHUNK

from .problems import NotFound, RangeNotSatisfiable

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte positions asked for, or None for the whole file.

    Raises RangeNotSatisfiable when the range is valid but lies outside the file.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if first and last and int(last) < int(first):
        return None  # invalid: ignored, the whole file is sent
    if not first:  # a suffix: the last N bytes
        length = int(last)
        if length == 0:
            raise _unsatisfiable(header, size)
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size:
        raise _unsatisfiable(header, size)
    return start, min(end, size - 1)


def _unsatisfiable(header: str, size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable(
        f"the range '{header}' lies outside the file, which has {size} bytes "
        f"(positions 0 to {max(size - 1, 0)})",
        headers={"Content-Range": f"bytes */{size}"},
    )


def _chunks(handle: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        left = length
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


def serve_stored(
    request: HttpRequest,
    storage: Storage,
    key: str,
    *,
    media_type: str,
    filename: str,
    attachment: bool = True,
) -> StreamingHttpResponse:
    """The object under ``key``, whole (200) or the one range asked for (206)."""
    try:
        size = storage.stat(key).size
        span = parse_range(request.headers.get("Range"), size)
        handle = storage.open(key)
    except ObjectNotFound:
        raise NotFound(f"the file '{filename}' is no longer in storage") from None
    start, end = span if span is not None else (0, size - 1)
    length = max(0, end - start + 1)
    response = StreamingHttpResponse(
        _chunks(handle, start, length), status=206 if span else 200, content_type=media_type
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    response["Cache-Control"] = "private, max-age=3600"
    if span is not None:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


BINARY_RESPONSES = {
    "200": {
        "description": "The file's bytes, whole.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
    "206": {
        "description": "The one byte range asked for with a Range header.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
}
