"""The Storage interface: where artifacts live, addressed by keys that cannot escape the root.

Every backend writes atomically: an object appears under its final key complete or not at all,
so a crash or a cancelled step never leaves half a file where a reader could find it.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

MAX_KEY_LENGTH = 1024
CHUNK = 1 << 20


class StorageError(Exception):
    """A storage operation failed for a reason the caller should see."""


class InvalidKey(StorageError, ValueError):
    """The key is not a safe relative path inside the storage root."""


class ObjectNotFound(StorageError, KeyError):
    """No object is stored under that key."""

    def __str__(self) -> str:  # KeyError quotes its argument; say it plainly instead
        return str(self.args[0]) if self.args else "object not found"


@dataclass(frozen=True)
class StoredObject:
    """What a completed write stored."""

    key: str
    size: int
    digest: str


@dataclass
class PendingWrite:
    """A local file being written; ``stored`` is filled in once the write is committed."""

    path: Path
    key: str
    stored: StoredObject | None = field(default=None)


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe relative key, else raise InvalidKey saying why."""
    if not isinstance(key, str) or not key:
        raise InvalidKey("a storage key must be a non-empty string")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"a storage key may be at most {MAX_KEY_LENGTH} characters")
    if "\x00" in key:
        raise InvalidKey("a storage key may not contain a NUL character")
    if "\\" in key:
        raise InvalidKey(f"a storage key uses '/' as separator, not '\\': {key!r}")
    if key.startswith("/"):
        raise InvalidKey(f"a storage key must be relative, not absolute: {key!r}")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise InvalidKey(f"a storage key may not contain empty, '.' or '..' parts: {key!r}")
    return key


def sha256_file(path: Path) -> tuple[str, int]:
    """Digest and size of a local file, read in chunks so memory stays flat."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class Storage(ABC):
    """Put, read, check and delete objects by key."""

    url: str

    @abstractmethod
    def writer(self, key: str, suffix: str = "") -> AbstractContextManager[PendingWrite]:
        """A temporary local file to write; committed under ``key`` when the block exits cleanly.

        If the block raises, nothing is stored and the temporary file is removed.
        """

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A binary file object for reading the object."""

    @abstractmethod
    def local_path(self, key: str) -> AbstractContextManager[Path]:
        """A local path holding the object's bytes for the duration of the block (read only)."""

    @abstractmethod
    def stat(self, key: str) -> StoredObject:
        """Size and digest of a stored object."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""

    @abstractmethod
    def keys(self, prefix: str = "") -> Iterator[str]:
        """Keys under a prefix, in no particular order."""

    def put(self, key: str, data: bytes | BinaryIO) -> StoredObject:
        """Store bytes or a readable binary stream under ``key``, atomically."""
        with self.writer(key) as pending, pending.path.open("wb") as out:
            if isinstance(data, bytes | bytearray | memoryview):
                out.write(data)
            else:
                while chunk := data.read(CHUNK):
                    out.write(chunk)
        assert pending.stored is not None
        return pending.stored

    def put_file(self, key: str, source: Path) -> StoredObject:
        """Copy a local file into storage under ``key``, atomically."""
        with source.open("rb") as handle:
            return self.put(key, handle)

    def size(self, key: str) -> int:
        return self.stat(key).size

    def digest(self, key: str) -> str:
        return self.stat(key).digest

    def read_bytes(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()
