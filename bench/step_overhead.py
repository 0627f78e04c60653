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
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from remedia.executor.store.outbound import Publisher

ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)
REMEDIA = PYTHON.with_name("remedia")

RABBITMQ_URL = os.environ.get("BENCH_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
#: Live store and completion marks; the Redis broker of the embedded mode has its own number.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
REDIS_BROKER_URL = os.environ.get("BENCH_REDIS_BROKER_URL", "redis://127.0.0.1:6379/10")
FLOW = "bench.noop_chain"
FLOW_MODULES = "bench.noop_flows"
POLL_SECONDS = 0.02
TIMEOUT_SECONDS = 120.0

GOAL_LATENCY_RATIO = 2.0
GOAL_THROUGHPUT_SHARE = 0.70
GOAL_PREFECT_FACTOR = 10.0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def require(name: str, host: str, port: int) -> None:
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as exc:
        sys.exit(f"{name} at {host}:{port} is not reachable ({exc})")


# -- processes ---------------------------------------------------------------------------------


@dataclass
class Workers:
    """Worker processes this bench started; each is its own process group."""

    folder: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, role: str, argv: list[str], env: dict[str, str]) -> None:
        handle = (self.folder / f"{role}.log").open("ab")
        self.processes[role] = subprocess.Popen(
            argv,
            cwd=self.folder,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def check(self) -> None:
        for role, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{role} exited with {process.returncode}:\n{self.log(role)}")

    def log(self, role: str) -> str:
        path = self.folder / f"{role}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop_all(self) -> None:
        for role in list(self.processes):
            process = self.processes.pop(role)
            if process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def worker_env(broker_url: str, prefix: str, database_url: str, live_prefix: str, folder: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMEDIA_")}
    env |= {
        "REMEDIA_BROKER_URL": broker_url,
        "REMEDIA_BROKER_QUEUE_PREFIX": prefix,
        "REMEDIA_DATABASE_URL": database_url,
        "REMEDIA_REDIS_URL": REDIS_URL,
        "REMEDIA_LIVE_KEY_PREFIX": live_prefix,
        "REMEDIA_STORAGE_URL": (folder / "storage").as_uri(),
        "REMEDIA_FLOW_MODULES": FLOW_MODULES,
        "PYTHONPATH": str(ROOT),
    }
    return env


def remedia_worker_argv(concurrency: int) -> list[str]:
    return [str(REMEDIA), "worker", "--concurrency", str(concurrency), "--loglevel", "warning"]


def raw_worker_argv(prefix: str, concurrency: int) -> list[str]:
    return [
        str(PYTHON),
        "-m",
        "celery",
        "-A",
        "bench.noop_flows:raw_app",
        "worker",
        "--queues",
        f"{prefix}.default",
        "--pool",
        "prefork",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "warning",
        "--hostname",
        f"bench-raw-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
    ]


# -- clean-up ----------------------------------------------------------------------------------


def delete_amqp(prefix: str) -> None:
    from kombu import Connection

    with Connection(RABBITMQ_URL) as connection:
        channel = connection.channel()
        for queue in (f"{prefix}.default", f"{prefix}.dead"):
            try:
                channel.queue_delete(queue)
            except Exception:
                channel = connection.channel()
        for exchange in (prefix, f"{prefix}.dlx"):
            try:
                channel.exchange_delete(exchange)
            except Exception:
                channel = connection.channel()


def delete_redis_keys(url: str, *patterns: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for pattern in patterns:
        keys = list(client.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])


def create_postgres_database() -> str:
    import psycopg

    name = f"remedia_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://{os.environ.get('USER', 'root')}@127.0.0.1:5432/{name}"


def drop_postgres_database(url: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[-1]}" WITH (FORCE)')


# -- the remedia side, from a client process -------------------------------------------------


def setup_client(database_url: str) -> None:
    """Point this process's Django at ``database_url`` and create the tables."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["REMEDIA_DATABASE_URL"] = database_url
    os.environ["REMEDIA_FLOW_MODULES"] = FLOW_MODULES
    from remedia.config.django_setup import migrate

    migrate()


def build_service(broker_url: str, prefix: str, live_prefix: str, folder: Path, publisher=None):  # type: ignore[no-untyped-def]
    from remedia.config.flow_settings import FlowSettings
    from remedia.executor.distributed.app import create_celery_app
    from remedia.executor.distributed.publisher import CeleryPublisher
    from remedia.executor.distributed.tasks import register_tasks
    from remedia.executor.live import LivePublisher, LiveSettings, connect
    from remedia.executor.settings import BrokerSettings, ExecutorSettings
    from remedia.executor.store.mirror import LiveMirror
    from remedia.executor.store.service import RunService
    from remedia.storage import LocalStorage

    executor = ExecutorSettings()
    if publisher is None:
        app = create_celery_app(BrokerSettings(url=broker_url, queue_prefix=prefix), executor)
        register_tasks(app)
        publisher = CeleryPublisher(app, timeout_grace=executor.timeout_grace_seconds)
    live = LiveSettings(redis_url=REDIS_URL, key_prefix=live_prefix)
    return RunService(
        catalogue=FlowSettings(modules=FLOW_MODULES).load(),
        storage=LocalStorage(folder / "storage"),
        publisher=publisher,
        mirror=LiveMirror(LivePublisher(connect(live, name="remedia-bench"), live)),
        settings=executor,
    )


def _finished(ids: list[str]) -> tuple[int, float | None, list[str]]:
    """How many of ``ids`` ended, when the last of them ended, and the states that failed."""
    from django.db import close_old_connections
    from django.db.models import Count, Max

    from remedia.executor.states import RUN_TERMINAL
    from remedia.executor.store.models import FlowRun

    close_old_connections()
    terminal = [s.value for s in RUN_TERMINAL]
    rows = FlowRun.objects.filter(id__in=ids, state__in=terminal)
    summary = rows.aggregate(n=Count("id"), last=Max("finished_at"))
    bad = list(rows.exclude(state="COMPLETED").values_list("state", flat=True)[:5])
    last = summary["last"].timestamp() if summary["last"] else None
    return summary["n"], last, bad


def wait_runs(ids: list[str], workers: Workers, poll: float = POLL_SECONDS) -> float:
    """Block until every run ended; returns the wall-clock time the last one finished."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        done, last, bad = _finished(ids)
        if bad:
            raise RuntimeError(f"runs ended {bad}:\n{workers.log('remedia-worker')}")
        if done == len(ids) and last is not None:
            return last
        if time.monotonic() > deadline:
            raise TimeoutError(f"{done}/{len(ids)} runs ended in {TIMEOUT_SECONDS}s")
        workers.check()
        time.sleep(poll)


def remedia_chain(service, workers: Workers, steps: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds from submit to the last of ``steps`` steps COMPLETED."""
    from bench.noop_flows import noop_chain

    started = time.time()
    run_id = service.submit(noop_chain, {}, {"steps": steps})
    return wait_runs([run_id], workers) - started


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
    return wait_runs(ids, workers, poll=0.2) - started


# -- the raw Celery side ---------------------------------------------------------------------


class RawClient:
    """Sends the no-op task to the raw worker; completion marks come back through Redis."""

    def __init__(self, prefix: str, token: str) -> None:
        import redis

        from remedia.executor.distributed.app import create_celery_app, declare_dead_letters
        from remedia.executor.settings import BrokerSettings

        self.app = create_celery_app(BrokerSettings(url=RABBITMQ_URL, queue_prefix=prefix))
        declare_dead_letters(self.app)
        self.redis = redis.Redis.from_url(REDIS_URL)
        self.token = token
        self.count = 0

    def _key(self) -> str:
        self.count += 1
        return f"bench-{self.token}:mark:{self.count}"

    def signature(self, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        from bench.noop_flows import RAW_TASK

        return self.app.signature(RAW_TASK, args=args, kwargs=kwargs)

    def chain(self, steps: int) -> float:
        from celery import chain

        key = self._key()
        tasks = [self.signature(0), *(self.signature() for _ in range(steps - 2))]
        tasks.append(self.signature(mark_url=REDIS_URL, mark_key=key))
        started = time.time()
        chain(*tasks).apply_async()
        popped = self.redis.blpop([key], timeout=TIMEOUT_SECONDS)
        if popped is None:
            raise TimeoutError("the raw chain did not finish")
        return float(popped[1]) - started

    def batch(self, tasks: int) -> float:
        from bench.noop_flows import RAW_TASK

        key = self._key()
        started = time.time()
        for _ in range(tasks):
            self.app.send_task(RAW_TASK, args=[0], kwargs={"mark_url": REDIS_URL, "mark_key": key})
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while self.redis.llen(key) < tasks:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.redis.llen(key)}/{tasks} raw tasks ran")
            time.sleep(0.05)
        marks = [float(v) for v in self.redis.lrange(key, 0, -1)]
        self.redis.delete(key)
        return max(marks) - started


# -- where remedia's time goes ---------------------------------------------------------------


class RecordingPublisher(Publisher):
    def __init__(self) -> None:
        self.steps: list[int] = []
        self.runs: list[str] = []

    def publish_step(self, step_id: int, run_id: str, queue: str, timeout=None) -> None:  # type: ignore[no-untyped-def]
        self.steps.append(step_id)
        self.runs.append(run_id)

    def schedule_advance(self, run_id: str, countdown: float) -> None:
        return None


@contextmanager
def counting_queries(counts: dict[str, int], name: str):  # type: ignore[no-untyped-def]
    from django.db import connection

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        counts[name] = counts.get(name, 0) + 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def breakdown(folder: Path, token: str, steps: int, reps: int) -> dict[str, Any]:
    """The chain's steps as a worker runs them, in this process: the delivered first step is
    read and started at once (``claim``: ``claim_later``; its claim commits with its outcome),
    and each later one is claimed by the commit that settles the step before it
    (``continue``); the last step is settled alone (``finish``). ms and SQL per step."""
    from bench.noop_flows import noop_chain
    from remedia.executor.attempt import execute_attempt
    from remedia.flows import StepContext

    publisher = RecordingPublisher()
    service = build_service("", "", f"bench-{token}:prof:", folder, publisher)
    parts: dict[str, list[float]] = {
        "submit": [],
        "claim": [],
        "execute": [],
        "continue": [],
        "finish": [],
    }
    queries: dict[str, int] = {}

    def timed(name: str, call: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        with counting_queries(queries, name):
            result = call()
        parts[name].append(time.perf_counter() - started)
        return result

    for _ in range(reps + 1):
        publisher.steps.clear()
        run_id = timed("submit", lambda: service.submit(noop_chain, {}, {"steps": steps}))
        first = publisher.steps.pop(0)
        claim = timed("claim", lambda sid=first, rid=run_id: service.claim_later(sid, rid))
        while claim is not None:
            ctx = StepContext(
                storage=service.storage,
                output_prefix=claim.output_prefix,
                run_id=claim.run_id,
                node_key=claim.node,
                throttle_seconds=0,
            )
            outcome = timed(
                "execute",
                lambda c=claim, x=ctx: execute_attempt(c.step, c.inputs, x),
            )
            last = claim.node == noop_chain_last(steps)
            claim = timed(
                "finish" if last else "continue",
                lambda c=claim, o=outcome, q=() if last else ("default",): (
                    service.finish_and_continue(c, o, queues=q)[1]
                ),
            )
    runs = reps + 1
    per = {"submit": runs, "claim": runs, "finish": runs, "continue": runs * (steps - 1)}
    return {
        name: {
            "ms": statistics.median(values) * 1000,
            "sql": queries.get(name, 0) / per.get(name, runs * steps),
        }
        for name, values in parts.items()
        if values
    }


def noop_chain_last(steps: int) -> str:
    """The node key of the last step of a ``steps``-long no-op chain."""
    from bench.noop_flows import noop_chain

    return noop_chain.trace(noop_chain.validate_params({"steps": steps})).nodes[-1].key


# -- one remedia measurement, from warm-up to throughput -------------------------------------


def measure_remedia(
    service, workers: Workers, args: argparse.Namespace, raw: RawClient | None = None
) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Latency (interleaved with the raw chain if given) and throughput of one deployment."""
    log("warming up")
    remedia_chain(service, workers, args.steps)
    remedia_batch(service, workers, 4 * args.concurrency, args.batch)
    if raw is not None:
        raw.chain(args.steps)
        raw.batch(4 * args.concurrency)
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
    return result


# -- phases ----------------------------------------------------------------------------------


def main_phase(args: argparse.Namespace, folder: Path, token: str) -> dict[str, Any]:
    """RabbitMQ + PostgreSQL: remedia against raw Celery, then the in-process breakdown."""
    remedia_prefix, raw_prefix = f"bench-{token}", f"bench-raw-{token}"
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
        result = measure_remedia(service, workers, args, raw)
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


# -- the report ------------------------------------------------------------------------------


def per_step_ms(seconds: list[float], steps: int) -> float:
    return statistics.median(seconds) / steps * 1000


def cpu_lines(main: dict, embedded: dict | None, runs: int) -> list[str]:  # type: ignore[type-arg]
    """CPU ms per run of the throughput measurement, by part of the deployment."""
    columns = [("remedia", main["remedia_cpu"]), ("raw Celery", main["celery_cpu"])]
    if embedded:
        columns.append(("embedded", embedded["remedia_cpu"]))
    parts = sorted({part for _, used in columns for part in used})
    lines = [
        "CPU ms per run during the throughput measurement, by process:",
        "",
        "| process | " + " | ".join(name for name, _ in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for part in [*parts, "all"]:
        cells = []
        for _, used in columns:
            seconds = sum(used.values()) if part == "all" else used.get(part, 0.0)
            cells.append(f"{seconds / runs * 1000:.2f}")
        lines.append(f"| {part} | " + " | ".join(cells) + " |")
    return lines


def report(args: argparse.Namespace, main: dict, embedded: dict | None, prefect: dict | None):  # type: ignore[no-untyped-def]
    steps, runs = args.steps, args.runs
    remedia_ms = per_step_ms(main["remedia_chain"], steps)
    celery_ms = per_step_ms(main["celery_chain"], steps)
    remedia_rate = runs / main["remedia_batch"]
    celery_rate = runs / main["celery_batch"]
    lines = [
        f"step overhead: {steps}-step no-op chain, median of {args.reps}; {runs} one-step runs"
        f" submitted {args.batch} at a time;"
        f" worker concurrency {args.concurrency}, {os.cpu_count()} cores",
        "",
        "| what | ms / step | runs / s |",
        "|---|---|---|",
        f"| remedia (RabbitMQ + PostgreSQL) | {remedia_ms:.1f} | {remedia_rate:.0f} |",
        f"| raw Celery chain (RabbitMQ) | {celery_ms:.1f} | {celery_rate:.0f} |",
    ]
    if prefect:
        prefect_ms = per_step_ms(prefect["prefect_chain"], steps)
        lines.append(
            f"| Prefect {prefect['prefect_version']} (ephemeral server) | {prefect_ms:.1f} | - |"
        )
    if embedded:
        lines.append(
            f"| remedia embedded (Redis broker + SQLite) "
            f"| {per_step_ms(embedded['remedia_chain'], steps):.1f} "
            f"| {runs / embedded['remedia_batch']:.0f} |"
        )
    latency_ratio = remedia_ms / celery_ms
    share = remedia_rate / celery_rate

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    lines += [
        "",
        f"remedia / Celery per step: {latency_ratio:.2f}x "
        f"(goal <= {GOAL_LATENCY_RATIO:g}x: {verdict(latency_ratio <= GOAL_LATENCY_RATIO)})",
        f"remedia throughput / Celery: {share:.0%} "
        f"(goal >= {GOAL_THROUGHPUT_SHARE:.0%}: {verdict(share >= GOAL_THROUGHPUT_SHARE)})",
    ]
    if prefect:
        factor = per_step_ms(prefect["prefect_chain"], steps) / remedia_ms
        lines.append(
            f"Prefect / remedia per step: {factor:.1f}x "
            f"(goal >= {GOAL_PREFECT_FACTOR:g}x: {verdict(factor >= GOAL_PREFECT_FACTOR)})"
        )
    lines += ["", *cpu_lines(main, embedded, runs)]
    lines += [
        "",
        "remedia in one process (no broker), median ms and SQL statements; claim: the first step,",
        "continue: settle a step and claim the next in one commit, finish: settle the last:",
    ]
    for name, part in main["breakdown"].items():
        unit = "per run" if name == "submit" else "per call"
        lines.append(f"  {name:8s} {part['ms']:6.2f} ms  {part['sql']:5.1f} SQL {unit}")
    raw_values = {
        "remedia_chain_s": main["remedia_chain"],
        "celery_chain_s": main["celery_chain"],
        "prefect_chain_s": (prefect or {}).get("prefect_chain"),
        "embedded_chain_s": (embedded or {}).get("remedia_chain"),
    }
    lines += ["", "raw: " + json.dumps({k: v for k, v in raw_values.items() if v}, default=str)]
    print("\n".join(lines))


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
