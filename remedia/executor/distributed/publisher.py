"""CeleryPublisher: how the run store sends ``run_step`` and ``advance`` messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from celery import Celery
from kombu import Producer

from remedia.executor.store.outbound import Publisher, StepMessage

from .app import CONTROL_QUEUE, ensure_queue
from .confirmed_batch import ConfirmedBatches

RUN_STEP = "remedia.run_step"
ADVANCE = "remedia.advance"
REAP = "remedia.reap"
RETRY_POLICY = {"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5}


class CeleryPublisher(Publisher):
    """Publishes through one Celery app; messages carry ids only, never media."""

    def __init__(self, app: Celery, *, timeout_grace: float = 10.0) -> None:
        self.app = app
        self.timeout_grace = timeout_grace
        broker = app.remedia_broker  # type: ignore[attr-defined]
        self._batches = ConfirmedBatches(app) if broker.is_amqp else None

    def _options(self, queue: str, timeout: float | None) -> dict[str, Any]:
        options: dict[str, Any] = {"queue": ensure_queue(self.app, queue)}
        if timeout is not None:
            options["soft_time_limit"] = timeout
            options["time_limit"] = timeout + self.timeout_grace
        return options

    def publish_step(
        self, step_id: int, run_id: str, queue: str, timeout: float | None = None
    ) -> None:
        self.app.send_task(
            RUN_STEP,
            args=[step_id, run_id],
            retry=True,
            retry_policy=RETRY_POLICY,
            **self._options(queue, timeout),
        )

    def publish_steps(self, messages: Sequence[StepMessage]) -> list[int]:
        """On RabbitMQ, all the messages first, then all their confirms (``ConfirmedBatches``);
        those it could not confirm are sent again one by one, each with its own retries."""
        if self._batches is None or len(messages) < 2:
            return super().publish_steps(messages)

        def send(message: StepMessage, producer: Producer) -> None:
            self.app.send_task(
                RUN_STEP,
                args=[message.step_id, message.run_id],
                producer=producer,
                retry=False,
                **self._options(message.queue, message.timeout),
            )

        unconfirmed = self._batches.send(messages, send)
        return super().publish_steps(unconfirmed) if unconfirmed else []

    def schedule_advance(self, run_id: str, countdown: float) -> None:
        self.app.send_task(
            ADVANCE,
            args=[run_id],
            queue=ensure_queue(self.app, CONTROL_QUEUE),
            countdown=countdown,
        )
