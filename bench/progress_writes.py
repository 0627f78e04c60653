"""Cost of one ``ctx.progress``-style report: throttled StepProgress vs an HSET per report.

Run: ``.venv/bin/python bench/progress_writes.py [calls]`` against the Redis of
REMEDIA_REDIS_URL (default redis://127.0.0.1:6379/0). Keys live under a throwaway prefix
and are deleted afterwards. Prints microseconds per call for both and their ratio.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable

from remedia.executor.live import (
    LivePublisher,
    LiveSettings,
    ProgressWriter,
    RunView,
    SnapshotRun,
    SnapshotStep,
    StateEvent,
    connect,
)
from remedia.executor.states import RunState, StepState


def _per_call_us(report: Callable[[int, int, str], None], calls: int) -> float:
    started = time.perf_counter()
    for row in range(1, calls + 1):
        report(row, calls, "rows")
    return (time.perf_counter() - started) / calls * 1e6


def main(calls: int = 200_000) -> None:
    settings = LiveSettings(key_prefix=f"remedia-bench:{uuid.uuid4().hex[:8]}:")
    client = connect(settings)
    publisher = LivePublisher(client, settings)
    run = SnapshotRun(run_id="bench", state=RunState.RUNNING)
    step = SnapshotStep(node="white_balance", state=StepState.RUNNING, attempt=1)
    publisher.rebuild(RunView(run=run, steps=[step], events=[StateEvent(1, "run", "RUNNING")]))
    key = publisher.keys("bench").snapshot
    try:
        progress = ProgressWriter(publisher).for_step("bench", "white_balance")
        throttled = _per_call_us(progress.report, calls)
        throttled_writes = publisher.stats.writes - 1
        direct_calls = max(1, calls // 20)

        def hset(done: int, total: int, message: str) -> None:
            client.hset(key, "progress:white_balance", f"{done}/{total} {message}")

        direct = _per_call_us(hset, direct_calls)
    finally:
        client.delete(*publisher.keys("bench").all())
    print(
        f"throttled StepProgress.report: {throttled:8.3f} us/call ({calls} calls, "
        f"{throttled_writes} Redis writes at {settings.progress_interval_ms} ms)"
    )
    print(f"HSET per call:                 {direct:8.3f} us/call ({direct_calls} calls)")
    print(f"ratio (HSET per call / throttled): {direct / throttled:.0f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
