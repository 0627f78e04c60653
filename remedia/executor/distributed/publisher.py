"""CeleryPublisher: how the run store sends ``run_step`` and ``advance`` messages."""

from __future__ import annotations

from celery import Celery

from .app import CONTROL_QUEUE, ensure_queue

RUN_STEP = "remedia.run_step"
ADVANCE = "remedia.advance"
REAP = "remedia.reap"


class CeleryPublisher:
    """Publishes through one Celery app; messages carry ids only, never media."""

    def __init__(self, app: Celery, *, timeout_grace: float = 10.0) -> None:
        self.app = app
        self.timeout_grace = timeout_grace

    def publish_step(
        self, step_id: int, run_id: str, queue: str, timeout: float | None = None
    ) -> None:
        options: dict[str, object] = {}
        if timeout is not None:
            options["soft_time_limit"] = timeout
            options["time_limit"] = timeout + self.timeout_grace
        self.app.send_task(
            RUN_STEP,
            args=[step_id, run_id],
            queue=ensure_queue(self.app, queue),
            retry=True,
            retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
            **options,
        )

    def schedule_advance(self, run_id: str, countdown: float) -> None:
        self.app.send_task(
            ADVANCE,
            args=[run_id],
            queue=ensure_queue(self.app, CONTROL_QUEUE),
            countdown=countdown,
        )
