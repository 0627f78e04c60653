"""LocalStorage: artifacts in a folder, behind a ``file://`` URL.

Writes go to ``<root>/.tmp`` and are renamed into place (same filesystem, so the rename is
atomic); digests are kept beside each object, with the identity of the file they describe, so
that ``stat`` does not re-read large files yet never reports another file's digest.
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
    StorageError,
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

    def _check_free(self, key: str, final: Path) -> None:
        """Refuse a key that names a folder of objects, or lies below an existing object."""
        if final.is_dir():
            raise StorageError(f"{key!r} cannot be stored: it is a folder of other objects")
        for parent in final.relative_to(self.root).parents:
            if parent != Path(".") and (self.root / parent).is_file():
                raise StorageError(
                    f"{key!r} cannot be stored: {parent.as_posix()!r} is an object, not a folder"
                )

    @contextlib.contextmanager
    def writer(self, key: str, suffix: str = "") -> Iterator[PendingWrite]:
        final = self._path(key)
        self._check_free(key, final)
        temp = self.root / TEMP_DIR / f"{uuid.uuid4().hex}{suffix or final.suffix}"
        pending = PendingWrite(path=temp, key=key)
        try:
            yield pending
            if not temp.exists():
                raise FileNotFoundError(f"nothing was written for {key!r}")
            digest, size = sha256_file(temp)
            with temp.open("rb") as handle:
                os.fsync(handle.fileno())
                written = os.fstat(handle.fileno())
            self._check_free(key, final)
            final.parent.mkdir(parents=True, exist_ok=True)
            self._path(key)  # the parents now exist: check again that none is a link outward
            # The record names the file it describes (inode, mtime): if the process dies
            # between these two lines, the old object is not mistaken for the new one.
            meta = f"{digest} {size} {written.st_ino} {written.st_mtime_ns}\n"
            final.with_name(final.name + META_SUFFIX).write_text(meta)
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
            digest, size, inode, mtime = meta.read_text().split()
            now = path.stat()
            if (int(size), int(inode), int(mtime)) == (now.st_size, now.st_ino, now.st_mtime_ns):
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
        """Keys below the folder ``prefix``; links are never followed, so none leads outside."""
        base = self._path(prefix.rstrip("/")) if prefix else self.root
        if not base.is_dir():
            return
        for folder, dirs, files in os.walk(base):
            here = Path(folder)
            if here == self.root:
                dirs[:] = [d for d in dirs if d != TEMP_DIR]
            for name in files:
                path = here / name
                if not name.endswith(META_SUFFIX) and not path.is_symlink():
                    yield path.relative_to(self.root).as_posix()

    def remove_stale_temp_files(self, older_than: float = 3600.0) -> int:
        """Delete temporary files left by writers that crashed; returns how many."""
        cutoff = time.time() - older_than
        removed = 0
        for path in (self.root / TEMP_DIR).iterdir():
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        return removed
