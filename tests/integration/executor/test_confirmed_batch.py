"""``ConfirmedBatches``: a batch is sent before its confirms are awaited, and what the broker
does not confirm is reported, on a real RabbitMQ."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kombu import Connection

from remedia.executor.distributed.app import create_celery_app
from remedia.executor.distributed.confirmed_batch import ConfirmedBatches
from remedia.executor.settings import BrokerSettings
from tests.support.services import RABBITMQ, RABBITMQ_URL


@pytest.fixture
def queue() -> Iterator[str]:
    """A queue of this test's own that takes two messages and makes the broker nack the rest
    (a classic queue: a quorum queue applies its length limit a little late)."""
    RABBITMQ.require()
    name = f"remedia-test-batch-{uuid.uuid4().hex[:8]}"
    with Connection(RABBITMQ_URL) as connection:
        connection.default_channel.queue_declare(
            name,
            durable=True,
            auto_delete=False,
            arguments={
                "x-max-length": 2,
                "x-overflow": "reject-publish",
            },
        )
        try:
            yield name
        finally:
            connection.default_channel.queue_delete(name)


def messages_in(name: str) -> int:
    with Connection(RABBITMQ_URL) as connection:
        return connection.default_channel.queue_declare(name, passive=True).message_count


def batches() -> ConfirmedBatches:
    app = create_celery_app(BrokerSettings(url=RABBITMQ_URL, queue_prefix="remedia-test-batch"))
    return ConfirmedBatches(app, confirm_timeout=10)


def to(queue: str, *, exchange: str = ""):  # type: ignore[no-untyped-def]
    def publish(item: Any, producer: Any) -> None:
        producer.publish({"item": item}, exchange=exchange, routing_key=queue, serializer="json")

    return publish


def test_every_message_of_a_confirmed_batch_is_in_its_queue(queue):
    sender = batches()

    assert sender.send([1, 2], to(queue)) == []

    assert messages_in(queue) == 2


def test_messages_the_broker_nacks_are_reported_as_not_sent(queue):
    sender = batches()

    failed = sender.send(list(range(5)), to(queue))

    # The queue takes two and rejects the rest, whatever order the broker confirms in.
    assert sorted(failed) == [2, 3, 4]
    assert messages_in(queue) == 2


def test_a_batch_the_broker_breaks_off_reports_every_unconfirmed_message(queue):
    sender = batches()

    # An exchange that does not exist closes the channel: nothing of the batch is confirmed.
    failed = sender.send(["a", "b"], to(queue, exchange=f"missing-{uuid.uuid4().hex[:6]}"))

    assert sorted(failed) == ["a", "b"]


def test_the_next_batch_after_a_broken_one_goes_through(queue):
    sender = batches()
    sender.send(["lost"], to(queue, exchange=f"missing-{uuid.uuid4().hex[:6]}"))

    assert sender.send(["x", "y"], to(queue)) == []

    assert messages_in(queue) == 2
