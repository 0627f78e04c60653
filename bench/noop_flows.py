"""The no-op work that bench/step_overhead.py times: a remedia flow and its raw Celery peer.

Workers import this module by name: the remedia worker through ``REMEDIA_FLOW_MODULES``, the
raw Celery worker as ``celery -A bench.noop_flows:raw_app`` (built on first access, so
importing the flows needs no broker). Each step does nothing but add one
to a number, so what is measured is the cost of moving from one step to the next.
"""

from __future__ import annotations

import os
import time

from pydantic import BaseModel, Field

from remedia.flows import StepContext, flow, step

RAW_TASK = "bench.noop"
RESULT_BACKEND_VARIABLE = "BENCH_RAW_RESULT_BACKEND"


class Chain(BaseModel):
    steps: int = Field(default=20, ge=1, le=1000)


@step
def noop(ctx: StepContext, value: int) -> int:
    return value + 1


@flow("bench.noop_chain")
def noop_chain(params: Chain):  # type: ignore[no-untyped-def]
    value = noop(0)
    for _ in range(params.steps - 1):
        value = noop(value)
    return value


def _raw_app():  # type: ignore[no-untyped-def]
    """The Celery app of the raw peer: remedia's own Celery settings, one no-op task.

    Built from ``create_celery_app`` so the peer gets the same late acks, prefetch of one,
    publisher confirms and (on RabbitMQ) the same quorum queue and dead-letter arguments.
    With ``BENCH_RAW_RESULT_BACKEND`` set (a ``db+postgresql+psycopg://`` URL), the task's
    result is stored there: the peer that, like remedia, keeps a row per task.
    """
    import redis

    from remedia.executor.distributed.app import create_celery_app

    app = create_celery_app()
    backend = os.environ.get(RESULT_BACKEND_VARIABLE, "")
    if backend:
        app.conf.update(result_backend=backend, task_ignore_result=False)
    marks: dict[str, redis.Redis] = {}

    @app.task(name=RAW_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=not backend)
    def raw_noop(value: int, mark_url: str = "", mark_key: str = "") -> int:
        if mark_key:
            client = marks.get(mark_url)
            if client is None:
                client = marks[mark_url] = redis.Redis.from_url(mark_url)
            client.rpush(mark_key, repr(time.time()))
        return value + 1

    return app


_built: dict[str, object] = {}


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    """``raw_app`` is built on first access (``celery -A bench.noop_flows:raw_app``)."""
    if name != "raw_app":
        raise AttributeError(name)
    if name not in _built:
        _built[name] = _raw_app()
    return _built[name]
