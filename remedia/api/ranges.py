"""Parsing an HTTP ``Range`` header (RFC 9110 section 14) against a file's size.

One range per request: a browser's media element and a resuming download ask for one. A
header that cannot be parsed, or asks for several ranges, is ignored and the whole file is
sent (as the RFC allows); one that starts past the end is unsatisfiable (416).
"""

from __future__ import annotations

import re


class UnsatisfiableRange(ValueError):
    """The range is well formed but no byte of it is in the file (HTTP 416)."""

    def __init__(self, header: str, size: int) -> None:
        super().__init__(
            f"the range '{header}' lies outside the file, which has {size} bytes "
            f"(positions 0 to {max(size - 1, 0)})"
        )
        self.size = size


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte positions asked for, or None for the whole file.

    Raises UnsatisfiableRange when the range is valid but lies outside the file.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if size == 0:
        raise UnsatisfiableRange(header, size)
    if first and last and int(last) < int(first):
        return None  # invalid: ignored, the whole file is sent
    if not first:  # a suffix: the last N bytes
        length = int(last)
        if length == 0:
            raise UnsatisfiableRange(header, size)
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size:
        raise UnsatisfiableRange(header, size)
    return start, min(end, size - 1)
