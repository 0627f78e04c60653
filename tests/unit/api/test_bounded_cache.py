"""BoundedCache forgets the least recently used entry first, and an entry past its lifetime."""

from __future__ import annotations

from remedia.api.bounded_cache import BoundedCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_least_recently_used_entry_goes_first():
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2


def test_an_entry_is_forgotten_once_its_lifetime_is_over():
    clock = Clock()
    cache: BoundedCache[str, int] = BoundedCache(10, lifetime=5.0, clock=clock)
    cache.put("a", 1)
    clock.now = 4.9
    assert cache.get("a") == 1
    clock.now = 5.0
    assert cache.get("a") is None


def test_a_forgotten_entry_is_gone_at_once():
    cache: BoundedCache[str, int] = BoundedCache(10)
    cache.put("a", 1)
    cache.forget("a")
    cache.forget("never there")
    assert cache.get("a") is None
