"""Where artifacts live: one Storage interface, a local folder behind ``file://``."""

from .base import (
    InvalidKey,
    ObjectNotFound,
    PendingWrite,
    Storage,
    StorageError,
    StoredObject,
    validate_key,
)
from .local import LocalStorage
from .url import open_storage

__all__ = [
    "InvalidKey",
    "LocalStorage",
    "ObjectNotFound",
    "PendingWrite",
    "Storage",
    "StorageError",
    "StoredObject",
    "open_storage",
    "validate_key",
]
