"""Where a one-step run spends its time, measured in this process: submit, claim, execute
and finish, as a client and a worker do them, with no broker (the publisher records).

PostgreSQL and Redis on 127.0.0.1; a database is created for the run and dropped after.

    .venv/bin/python bench/one_step_profile.py                      # ~10 s
    .venv/bin/python bench/one_step_profile.py --profile --runs 2000
    .venv/bin/python bench/one_step_profile.py --batch 100          # submit_many, 100 a call
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.deployment import (  # noqa: E402
    REDIS_URL,
    build_service,
    create_postgres_database,
    delete_redis_keys,
    drop_postgres_database,
    setup_client,
)
from bench.one_step_breakdown import RecordingPublisher, execute_here  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--batch", type=int, default=0, help="submit in batches of this many")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--locked-claim", action="store_true", help="claim before executing (not deferred)"
    )
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--callers", default="", help="with --profile: callers of these")
    args = parser.parse_args()
    token = uuid.uuid4().hex[:8]
    database_url = create_postgres_database()
    try:
        with tempfile.TemporaryDirectory(prefix="remedia-profile-") as tmp:
            setup_client(database_url)
            measure(args, Path(tmp), token)
    finally:
        from django.db import connections

        connections.close_all()
        drop_postgres_database(database_url)
        delete_redis_keys(REDIS_URL, f"bench-{token}:*")


def measure(args: argparse.Namespace, folder: Path, token: str) -> None:
    from bench.noop_flows import noop_chain
    from remedia.executor.store.service import NewRun

    publisher = RecordingPublisher()
    service = build_service("", "", f"bench-{token}:", folder, publisher)
    parts: dict[str, list[float]] = {"submit": [], "claim": [], "execute": [], "finish": []}
    cpu: dict[str, list[float]] = {name: [] for name in parts}
    # Timed by CPU, so time spent waiting on the database or Redis does not count.
    profiler = cProfile.Profile(time.process_time) if args.profile else None

    def timed(name: str, call):  # type: ignore[no-untyped-def]
        started, started_cpu = time.perf_counter(), time.process_time()
        result = call()
        parts[name].append(time.perf_counter() - started)
        cpu[name].append(time.process_time() - started_cpu)
        return result

    def submit_all(count: int) -> None:
        if args.batch:
            for start in range(0, count, args.batch):
                size = min(args.batch, count - start)
                requests = [NewRun(noop_chain, {}, {"steps": 1})] * size
                started, started_cpu = time.perf_counter(), time.process_time()
                service.submit_many(requests)
                parts["submit"] += [(time.perf_counter() - started) / size] * size
                cpu["submit"] += [(time.process_time() - started_cpu) / size] * size
        else:
            for _ in range(count):
                timed("submit", lambda: service.submit(noop_chain, {}, {"steps": 1}))

    def work_all() -> None:
        while publisher.steps:
            step_id, run_id = publisher.steps.pop(0), publisher.runs.pop(0)
            if args.locked_claim:
                claim = timed("claim", lambda s=step_id: service.claim(s))
            else:  # as a worker does: start at once, claim with the outcome
                claim = timed("claim", lambda s=step_id, r=run_id: service.claim_later(s, r))
            outcome = timed("execute", lambda c=claim: execute_here(service, c))
            timed("finish", lambda c=claim, o=outcome: service.finish(c, o))

    submit_all(20)
    work_all()
    for values in [*parts.values(), *cpu.values()]:
        values.clear()
    if profiler:
        profiler.enable()
    started = time.perf_counter()
    submit_all(args.runs)
    work_all()
    total = time.perf_counter() - started
    if profiler:
        profiler.disable()
    report(args, total, parts, cpu, profiler)


def report(
    args: argparse.Namespace,
    total: float,
    parts: dict[str, list[float]],
    cpu: dict[str, list[float]],
    profiler: cProfile.Profile | None,
) -> None:
    print(f"{args.runs} one-step runs in {total:.2f} s: {args.runs / total:.0f} runs/s")
    print("median ms per call: wall, CPU in this process")
    for name, values in parts.items():
        wall, used = statistics.median(values) * 1000, statistics.median(cpu[name]) * 1000
        print(f"  {name:8s} {wall:6.2f}  {used:6.2f}")
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
        if args.callers:
            stats.print_callers(args.callers)


if __name__ == "__main__":
    main()
