"""Progress callbacks: how long-running image functions report ``(done, total)``.

Steps pass ``ctx.progress`` (or anything with the same shape); pure functions stay testable
because ``None`` means "nobody is listening".
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]


def report(progress: Progress | None, done: int, total: int) -> None:
    """Call ``progress(done, total)`` if a callback was given."""
    if progress is not None:
        progress(done, total)
