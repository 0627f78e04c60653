"""BoundedCache: a per-process map that forgets its least recently used entries first.

The API keeps a few things a request would otherwise read from the database every time (the
parts of a run that never change, the user behind a token). Each cache is bounded, so a
process serving many runs holds a fixed amount, and may give its entries a lifetime, so what
can change elsewhere (a token revoked by another process) is seen again after that long.
A lock guards it: a process may serve requests from several threads.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """At most ``size`` entries, each kept ``lifetime`` seconds (None: until pushed out)."""

    def __init__(
        self,
        size: int,
        lifetime: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = size
        self.lifetime = lifetime
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if self.lifetime is not None and self._clock() >= expires:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        expires = self._clock() + self.lifetime if self.lifetime is not None else 0.0
        with self._lock:
            self._entries[key] = (expires, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
