"""Serving stored files, whole or the byte range a ``Range`` header asks for (206, or 416)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from django.http import HttpRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header

from remedia.storage import ObjectNotFound, Storage
from remedia.storage.base import CHUNK

from .problems import NotFound, RangeNotSatisfiable
from .ranges import UnsatisfiableRange, parse_range


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
        stored = storage.stat(key)
        size = stored.size
        span = parse_range(request.headers.get("Range"), size)
        handle = storage.open(key)
    except ObjectNotFound:
        raise NotFound(f"the file '{filename}' is no longer in storage") from None
    except UnsatisfiableRange as exc:
        raise RangeNotSatisfiable(
            str(exc), headers={"Content-Range": f"bytes */{exc.size}"}
        ) from None
    start, end = span if span is not None else (0, size - 1)
    length = max(0, end - start + 1)
    response = StreamingHttpResponse(
        _chunks(handle, start, length), status=206 if span else 200, content_type=media_type
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    response["Cache-Control"] = "private, max-age=3600"
    response["ETag"] = f'"{stored.digest}"'
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
