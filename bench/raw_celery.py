"""The raw Celery peer's client: sends the no-op task, and learns when the tasks ran from the
completion marks the last of them pushes to Redis."""

from __future__ import annotations

import time
from typing import Any

from bench.deployment import RABBITMQ_URL, REDIS_URL, TIMEOUT_SECONDS


class RawClient:
    """Sends the no-op task to the raw worker; completion marks come back through Redis."""

    def __init__(self, prefix: str, token: str, result_backend: str = "") -> None:
        import redis

        from remedia.executor.distributed.app import create_celery_app, declare_dead_letters
        from remedia.executor.settings import BrokerSettings

        self.app = create_celery_app(BrokerSettings(url=RABBITMQ_URL, queue_prefix=prefix))
        declare_dead_letters(self.app)
        if result_backend:
            # Celery creates its result tables on first use: here, not racing in two workers.
            self.app.conf.result_backend = result_backend
            self.app.backend.ResultSession().close()
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
