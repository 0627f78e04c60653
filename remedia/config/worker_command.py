"""``remedia worker`` and ``remedia beat``: the Celery processes of the distributed executor."""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery

from remedia.executor.distributed.app import create_celery_app, declare_dead_letters
from remedia.executor.distributed.queues import queue_name
from remedia.executor.distributed.tasks import register_tasks
from remedia.executor.settings import BrokerSettings

from .django_setup import setup_django
from .flow_settings import FlowSettings


def remedia_app(queues: tuple[str, ...] = ("default",)) -> Celery:
    """The Celery app with remedia's tasks, for these step queues."""
    app = create_celery_app(queues=queues)
    register_tasks(app)
    return app


def worker_command(queues: list[str], concurrency: int | None, pool: str, loglevel: str) -> int:
    """Run a worker consuming ``queues``; flows are imported before the pool forks."""
    os.environ.setdefault("REMEDIA_DATABASE_APPLICATION_NAME", "remedia-worker")
    setup_django()
    FlowSettings().load()
    chosen = tuple(dict.fromkeys(q.strip() for q in queues if q.strip())) or ("default",)
    app = remedia_app(chosen)
    declare_dead_letters(app)
    broker = BrokerSettings()
    argv = [
        "worker",
        "--queues",
        ",".join(queue_name(broker, q) for q in chosen),
        "--pool",
        pool,
        "--loglevel",
        loglevel,
        "--hostname",
        f"remedia-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    app.worker_main(argv)
    return 0


def beat_command(loglevel: str, schedule: Path | None = None) -> int:
    """Send the periodic tasks (the reaper) on their schedule."""
    os.environ.setdefault("REMEDIA_DATABASE_APPLICATION_NAME", "remedia-beat")
    schedule = schedule or Path(".remedia") / "beat-schedule"
    schedule.parent.mkdir(parents=True, exist_ok=True)
    app = remedia_app()
    app.start(["beat", "--loglevel", loglevel, "--schedule", str(schedule)])
    return 0
