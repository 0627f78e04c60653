"""Step queues: durable quorum queues on RabbitMQ, with a dead-letter exchange behind them.

A message that keeps killing its worker is redelivered at most ``delivery_limit`` times, then
dead-lettered into ``PREFIX.dead`` where an operator can see it, instead of looping forever
(or, with RabbitMQ 4's default limit and no dead-letter exchange, being dropped silently).
"""

from __future__ import annotations

from kombu import Exchange, Queue

from remedia.executor.settings import BrokerSettings


def queue_name(broker: BrokerSettings, queue: str) -> str:
    return f"{broker.queue_prefix}.{queue}"


def step_exchange(broker: BrokerSettings) -> Exchange:
    return Exchange(broker.queue_prefix, type="direct", durable=True)


def dead_letter_exchange(broker: BrokerSettings) -> Exchange:
    return Exchange(f"{broker.queue_prefix}.dlx", type="fanout", durable=True)


def step_queue(broker: BrokerSettings, queue: str) -> Queue:
    """The kombu Queue that carries one step queue's messages."""
    name = queue_name(broker, queue)
    arguments: dict[str, object] = {}
    if broker.is_amqp:
        arguments = {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": dead_letter_exchange(broker).name,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
            "x-delivery-limit": broker.delivery_limit,
        }
    return Queue(
        name,
        exchange=step_exchange(broker),
        routing_key=name,
        durable=True,
        queue_arguments=arguments or None,
    )


def dead_letter_queue(broker: BrokerSettings) -> Queue:
    return Queue(
        f"{broker.queue_prefix}.dead",
        exchange=dead_letter_exchange(broker),
        routing_key="#",
        durable=True,
        queue_arguments={"x-queue-type": "quorum"} if broker.is_amqp else None,
    )
