"""Step overhead: remedia against raw Celery and Prefect 3 on no-op steps, in one run.

Run by hand (RabbitMQ, PostgreSQL and Redis on 127.0.0.1; ``pip install -e '.[bench]'``):

    .venv/bin/python bench/step_overhead.py [--reps 5] [--runs 1000] [--concurrency 2]

1. Latency: a 20-step linear no-op flow, submit -> every step COMPLETED, through real
   ``remedia worker`` processes (RabbitMQ broker, PostgreSQL run store), against a raw Celery
   chain of 20 no-op tasks on the same broker with remedia's own Celery settings (late acks,
   prefetch 1, publisher confirms, quorum queue) and a worker of the same concurrency, and
   against the same 20 steps as a Prefect 3 flow (its ephemeral local server). Medians of
   ``--reps`` repetitions, remedia and Celery interleaved.
2. Throughput: ``--runs`` one-step remedia runs, submitted ``--batch`` at a time in one
   transaction each (``RunService.submit_many``), against as many raw Celery tasks sent one by
   one; with the CPU time each process (workers, PostgreSQL, RabbitMQ, Redis, this client)
   used per run, which bounds throughput on a machine with few cores.

remedia runs as deployed: workers plus ``remedia beat`` (whose reaper publishes a step whose
publish failed, e.g. while the broker was unreachable).
3. The remedia part again in the embedded mode (SQLite run store, Redis broker).
4. Where remedia's time goes: claim / execute / finish of each step timed in this process,
   with the SQL statements each one issues.

Everything it makes is removed at the end: worker processes, queues and exchanges, the
PostgreSQL database, Redis keys, the temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the repository root holds the bench package
    sys.path.insert(0, str(ROOT))

from bench.deployment import (  # noqa: E402
    POLL_SECONDS,
    PYTHON,
    RABBITMQ_URL,
    REDIS_BROKER_URL,
    REDIS_URL,
    REMEDIA,
    TIMEOUT_SECONDS,
    Workers,
    build_service,
    create_postgres_database,
    delete_amqp,
    delete_redis_keys,
    drop_postgres_database,
    log,
    raw_worker_argv,
    remedia_worker_argv,
    require,
    setup_client,
    stored_results_url,
    worker_env,
)
from bench.one_step_breakdown import breakdown  # noqa: E402
from bench.overhead_report import report  # noqa: E402
from bench.raw_celery import RawClient  # noqa: E402

# -- the remedia side, from a client process -------------------------------------------------


def _finished(since: float) -> tuple[int, float | None, list[str]]:
    """How many runs created since ``since`` ended, when the last of them ended, and the
    states that failed. The database is the bench's own and runs are measured one batch
    after another, so these are the batch's: one cheap query, where naming a thousand ids
    cost the client ~15 ms of CPU a poll, taken from the workers it measures."""
    import datetime as dt

    from django.db import close_old_connections
    from django.db.models import Count, Max

    from remedia.executor.states import RUN_TERMINAL
    from remedia.executor.store.models import FlowRun

    close_old_connections()
    terminal = [s.value for s in RUN_TERMINAL]
    created = dt.datetime.fromtimestamp(since, tz=dt.UTC)
    rows = FlowRun.objects.filter(created_at__gte=created, state__in=terminal)
    summary = rows.aggregate(n=Count("id"), last=Max("finished_at"))
    bad = list(rows.exclude(state="COMPLETED").values_list("state", flat=True)[:5])
    last = summary["last"].timestamp() if summary["last"] else None
    return summary["n"], last, bad


def wait_runs(count: int, since: float, workers: Workers, poll: float = POLL_SECONDS) -> float:
    """Block until the ``count`` runs created since ``since`` ended; returns the wall-clock
    time the last one finished."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        done, last, bad = _finished(since)
        if bad:
            raise RuntimeError(f"runs ended {bad}:\n{workers.log('remedia-worker')}")
        if done >= count and last is not None:
            return last
        if time.monotonic() > deadline:
            raise TimeoutError(f"{done}/{count} runs ended in {TIMEOUT_SECONDS}s")
        workers.check()
        time.sleep(poll)


def remedia_chain(service, workers: Workers, steps: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds from submit to the last of ``steps`` steps COMPLETED."""
    from bench.noop_flows import noop_chain

    started = time.time()
    service.submit(noop_chain, {}, {"steps": steps})
    return wait_runs(1, started, workers) - started


def remedia_batch(service, workers: Workers, runs: int, batch: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds from the first submit until ``runs`` one-step runs all COMPLETED, submitted
    ``batch`` at a time (``RunService.submit_many``; 1: one ``submit`` each)."""
    from bench.noop_flows import noop_chain
    from remedia.executor.store.service import NewRun

    started = time.time()
    ids: list[str] = []
    while len(ids) < runs:
        size = min(batch, runs - len(ids))
        if size == 1:
            ids.append(service.submit(noop_chain, {}, {"steps": 1}))
        else:
            ids += service.submit_many([NewRun(noop_chain, {}, {"steps": 1})] * size)
    return wait_runs(len(ids), started, workers, poll=0.2) - started


# -- one remedia measurement, from warm-up to throughput -------------------------------------


def measure_remedia(
    service,
    workers: Workers,
    args: argparse.Namespace,
    raw: RawClient | None = None,
    stored: RawClient | None = None,
) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Latency (interleaved with the raw chain if given) and throughput of one deployment."""
    log("warming up")
    remedia_chain(service, workers, args.steps)
    remedia_batch(service, workers, 4 * args.concurrency, args.batch)
    for peer in (raw, stored):
        if peer is not None:
            peer.chain(args.steps)
            peer.batch(4 * args.concurrency)
    result: dict[str, Any] = {"remedia_chain": [], "celery_chain": []}
    for rep in range(args.reps):
        order = ["remedia", "celery"] if rep % 2 == 0 else ["celery", "remedia"]
        for who in order:
            if who == "remedia":
                result["remedia_chain"].append(remedia_chain(service, workers, args.steps))
            elif raw is not None:
                result["celery_chain"].append(raw.chain(args.steps))
        log(f"latency rep {rep + 1}/{args.reps}")
    from bench.cpu_use import CpuUse

    log(f"throughput: {args.runs} one-step runs")
    meter = CpuUse(lambda: {role: process.pid for role, process in workers.processes.items()})
    with meter.measure() as used:
        result["remedia_batch"] = remedia_batch(service, workers, args.runs, args.batch)
    result["remedia_cpu"] = used
    if raw is not None:
        with meter.measure() as used:
            result["celery_batch"] = raw.batch(args.runs)
        result["celery_cpu"] = used
    if stored is not None:
        with meter.measure() as used:
            result["stored_batch"] = stored.batch(args.runs)
        result["stored_cpu"] = used
    return result


# -- phases ----------------------------------------------------------------------------------


def stores_results() -> bool:
    """Whether the peer that stores each result can run (SQLAlchemy, in the bench extra)."""
    try:
        import sqlalchemy  # noqa: F401
    except ImportError:
        log("SQLAlchemy is not installed: no Celery peer with a database result backend")
        return False
    return True


def main_phase(args: argparse.Namespace, folder: Path, token: str) -> dict[str, Any]:
    """RabbitMQ + PostgreSQL: remedia against raw Celery, then the in-process breakdown."""
    from bench.noop_flows import RESULT_BACKEND_VARIABLE

    remedia_prefix, raw_prefix = f"bench-{token}", f"bench-raw-{token}"
    stored_prefix = f"bench-stored-{token}"
    live_prefix = f"bench-{token}:"
    workers = Workers(folder)
    database_url = create_postgres_database()
    try:
        setup_client(database_url)
        env = worker_env(RABBITMQ_URL, remedia_prefix, database_url, live_prefix, folder)
        workers.start("remedia-worker", remedia_worker_argv(args.concurrency), env)
        workers.start("remedia-beat", [str(REMEDIA), "beat", "--loglevel", "warning"], env)
        raw_env = worker_env(RABBITMQ_URL, raw_prefix, database_url, live_prefix, folder)
        workers.start("raw-worker", raw_worker_argv(raw_prefix, args.concurrency), raw_env)
        service = build_service(RABBITMQ_URL, remedia_prefix, live_prefix, folder)
        raw = RawClient(raw_prefix, token)
        stored = None
        if stores_results():
            backend = stored_results_url(database_url)
            stored = RawClient(stored_prefix, token, backend)
            stored_env = worker_env(RABBITMQ_URL, stored_prefix, database_url, live_prefix, folder)
            stored_env[RESULT_BACKEND_VARIABLE] = backend
            argv = raw_worker_argv(stored_prefix, args.concurrency)
            workers.start("stored-worker", argv, stored_env)
        result = measure_remedia(service, workers, args, raw, stored)
        workers.stop_all()
        log("breakdown of one step in this process")
        result["breakdown"] = breakdown(folder, token, args.steps, args.reps)
        return result
    finally:
        workers.stop_all()
        from django.db import connections

        connections.close_all()
        drop_postgres_database(database_url)
        delete_amqp(remedia_prefix)
        delete_amqp(raw_prefix)
        delete_amqp(stored_prefix)
        delete_redis_keys(REDIS_URL, f"bench-{token}:*")


def embedded_phase(args: argparse.Namespace, folder: Path, token: str) -> dict[str, Any]:
    """SQLite + Redis broker, the embedded mode (its own process: Django is set up once)."""
    prefix, live_prefix = f"bench-emb-{token}", f"bench-emb-{token}:"
    database_url = f"sqlite:///{folder / 'runs.sqlite3'}"
    workers = Workers(folder)
    try:
        setup_client(database_url)
        env = worker_env(REDIS_BROKER_URL, prefix, database_url, live_prefix, folder)
        workers.start("remedia-worker", remedia_worker_argv(args.concurrency), env)
        workers.start("remedia-beat", [str(REMEDIA), "beat", "--loglevel", "warning"], env)
        service = build_service(REDIS_BROKER_URL, prefix, live_prefix, folder)
        return measure_remedia(service, workers, args)
    finally:
        workers.stop_all()
        delete_redis_keys(REDIS_URL, f"{live_prefix}*")
        # kombu's Redis transport: the queue list and the exchange's binding set.
        delete_redis_keys(
            REDIS_BROKER_URL,
            f"{prefix}.*",
            f"_kombu.binding.{prefix}*",
            f"_kombu.binding_permanent.{prefix}*",
        )


def prefect_phase(args: argparse.Namespace) -> dict[str, Any]:
    """The same chain as a Prefect 3 flow, against its ephemeral local server."""
    from prefect import flow, task

    @task
    def noop(value: int) -> int:
        return value + 1

    @flow(persist_result=False, log_prints=False)
    def noop_chain(steps: int) -> int:
        value = 0
        for _ in range(steps):
            value = noop(value)
        return value

    timings = []
    for rep in range(args.reps + 1):
        started = time.perf_counter()
        noop_chain(args.steps)
        if rep:  # the first run starts the server and warms up
            timings.append(time.perf_counter() - started)
        log(f"prefect rep {rep}/{args.reps}")
    import prefect

    return {"prefect_chain": timings, "prefect_version": prefect.__version__}


def child(phase: str, args: argparse.Namespace, folder: Path, token: str) -> dict[str, Any]:
    """Run ``phase`` in a fresh interpreter; returns what it printed as JSON."""
    out = folder / f"{phase}.json"
    argv = [str(PYTHON), __file__, "--phase", phase, "--out", str(out), "--token", token]
    argv += ["--folder", str(folder / phase)]
    argv += [f"--{name}={getattr(args, name)}" for name in ("reps", "runs", "steps", "batch")]
    argv += [f"--concurrency={args.concurrency}"]
    env = dict(os.environ)
    if phase == "prefect":
        env |= {
            "PREFECT_HOME": str(folder / "prefect-home"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "PREFECT_API_URL": "",
            "DO_NOT_TRACK": "1",
        }
    subprocess.run(argv, env=env, check=True, timeout=600)
    return json.loads(out.read_text())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="latency repetitions (median)")
    parser.add_argument("--runs", type=int, default=1000, help="one-step runs for throughput")
    parser.add_argument("--steps", type=int, default=20, help="steps of the latency chain")
    parser.add_argument(
        "--batch", type=int, default=100, help="one-step runs per submit_many (1: one submit each)"
    )
    parser.add_argument("--concurrency", type=int, default=2, help="processes per worker")
    parser.add_argument("--skip-prefect", action="store_true", help="leave Prefect out")
    parser.add_argument("--skip-embedded", action="store_true", help="leave SQLite+Redis out")
    parser.add_argument("--phase", choices=["embedded", "prefect"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.phase:
        args.folder.mkdir(parents=True, exist_ok=True)
        if args.phase == "embedded":
            result = embedded_phase(args, args.folder, args.token)
        else:
            result = prefect_phase(args)
        args.out.write_text(json.dumps(result))
        return
    require("RabbitMQ", "127.0.0.1", 5672)
    require("PostgreSQL", "127.0.0.1", 5432)
    require("Redis", "127.0.0.1", 6379)
    token = uuid.uuid4().hex[:8]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="remedia-bench-") as tmp:
        folder = Path(tmp)
        main_result = main_phase(args, folder, token)
        embedded = None if args.skip_embedded else child("embedded", args, folder, token)
        prefect = None if args.skip_prefect else child("prefect", args, folder, token)
    report(args, main_result, embedded, prefect)
    print(f"\ntook {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
