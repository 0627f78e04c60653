"""Open a Storage from its URL (``file:///path`` or a bare path)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from .base import Storage, StorageError
from .local import LocalStorage


def open_storage(url: str) -> Storage:
    """The Storage a URL names. Relative ``file://`` paths are taken from the current folder."""
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        host = "" if parsed.netloc == "localhost" else parsed.netloc  # file://localhost/abs
        path = unquote(host + parsed.path) if parsed.scheme else url
        return LocalStorage(Path(path))
    raise StorageError(f"unsupported storage URL {url!r}: use file:///path/to/folder")
