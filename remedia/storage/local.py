"""LocalStorage: artifacts in a folder, behind a ``file://`` URL.

Writes go to ``<root>/.tmp`` and are renamed into place (same filesystem, so the rename is
atomic); digests are kept beside each object so that ``stat`` does not re-read large files.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .base import (
    InvalidKey,
    ObjectNotFound,
    PendingWrite,
    Storage,
    StoredObject,
    sha256_file,
    validate_key,
)

TEMP_DIR = ".tmp"
META_SUFFIX = ".sha256"


class LocalStorage(Storage):
    """A Storage on the local filesystem."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / TEMP_DIR).mkdir(exist_ok=True)
        self.url = self.root.as_uri()

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        validate_key(key)
        if key.split("/", 1)[0] == TEMP_DIR or key.endswith(META_SUFFIX):
            raise InvalidKey(f"the key {key!r} is reserved for storage bookkeeping")
        candidate = self.root / key
        resolved = Path(os.path.realpath(candidate))
        if resolved != candidate or not resolved.is_relative_to(self.root):
            raise InvalidKey(f"the key {key!r} leads outside the storage root (symbolic link?)")
        return candidate

    @contextlib.contextmanager
    def writer(self, key: str, suffix: str = "") -> Iterator[PendingWrite]:
        final = self._path(key)
        temp = self.root / TEMP_DIR / f"{uuid.uuid4().hex}{suffix or final.suffix}"
        pending = PendingWrite(path=temp, key=key)
        try:
            yield pending
            if not temp.exists():
                raise FileNotFoundError(f"nothing was written for {key!r}")
            digest, size = sha256_file(temp)
            with temp.open("rb") as handle:
                os.fsync(handle.fileno())
            final.parent.mkdir(parents=True, exist_ok=True)
            self._path(key)  # the parents now exist: check again that none is a link outward
            final.with_name(final.name + META_SUFFIX).write_text(f"{digest} {size}\n")
            os.replace(temp, final)
            pending.stored = StoredObject(key=key, size=size, digest=digest)
        finally:
            temp.unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return path.open("rb")
        except FileNotFoundError:
            raise ObjectNotFound(f"no object stored under {key!r}") from None

    @contextlib.contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(f"no object stored under {key!r}")
        yield path

    def stat(self, key: str) -> StoredObject:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(f"no object stored under {key!r}")
        meta = path.with_name(path.name + META_SUFFIX)
        try:
            digest, size = meta.read_text().split()
            if int(size) == path.stat().st_size:
                return StoredObject(key=key, size=int(size), digest=digest)
        except (FileNotFoundError, ValueError):
            pass
        digest, real_size = sha256_file(path)
        return StoredObject(key=key, size=real_size, digest=digest)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        path.with_name(path.name + META_SUFFIX).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        base = self.root / prefix if prefix else self.root
        if prefix:
            validate_key(prefix.rstrip("/"))
        if not base.is_dir():
            return
        for path in base.rglob("*"):
            rel = path.relative_to(self.root).as_posix()
            if (
                path.is_file()
                and not rel.startswith(TEMP_DIR + "/")
                and not rel.endswith(META_SUFFIX)
            ):
                yield rel

    def remove_stale_temp_files(self, older_than: float = 3600.0) -> int:
        """Delete temporary files left by writers that crashed; returns how many."""
        cutoff = time.time() - older_than
        removed = 0
        for path in (self.root / TEMP_DIR).iterdir():
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        return removed
