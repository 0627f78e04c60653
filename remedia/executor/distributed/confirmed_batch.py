"""ConfirmedBatches: many messages sent on one AMQP channel, their confirms awaited together.

With publisher confirms, each ``send_task`` waits for RabbitMQ to confirm its message (for a
quorum queue, once a majority has written it) before the next one leaves: a submit of a
hundred runs waited a hundred round trips, and that bounded how fast a client could feed the
workers. A batch here is sent on a channel this thread keeps for batches, in confirm mode but
without the wait after each message; then every confirm is awaited at once (RabbitMQ confirms
many messages with one ``multiple`` ack). What is promised does not change: ``send`` returns
only when the broker has confirmed each message, and names those it nacked or did not confirm
in time, which the caller treats as not sent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from celery import Celery
from kombu import Connection, Producer

logger = logging.getLogger("remedia.executor")
K = TypeVar("K")


@dataclass
class _ConfirmChannel:
    """A channel in confirm mode, and the delivery tags it has sent but not heard back on."""

    connection: Connection
    producer: Producer
    sent: int = 0
    pending: dict[int, Any] = field(default_factory=dict)
    nacked: list[Any] = field(default_factory=list)

    def settle(self, tag: int, multiple: bool, *, ok: bool) -> None:
        done = [t for t in self.pending if t <= tag] if multiple else [tag]
        for settled in done:
            key = self.pending.pop(settled, None)
            if not ok and key is not None:
                self.nacked.append(key)


class ConfirmedBatches:
    """Sends batches of messages through ``app`` with one wait for all their confirms."""

    def __init__(self, app: Celery, *, confirm_timeout: float = 10.0) -> None:
        self.app = app
        self.confirm_timeout = confirm_timeout
        self._local = threading.local()

    def _channel(self) -> _ConfirmChannel:
        kept: _ConfirmChannel | None = getattr(self._local, "channel", None)
        if kept is not None and kept.connection.connected:
            return kept
        # This connection's channels publish without waiting; confirm mode is asked for below.
        connection = self.app.connection_for_write(transport_options={"confirm_publish": False})
        connection.ensure_connection(max_retries=2)
        channel = connection.default_channel
        channel.confirm_select()
        opened = _ConfirmChannel(connection, self.app.amqp.Producer(channel))
        channel.events["basic_ack"].add(lambda tag, multiple: opened.settle(tag, multiple, ok=True))
        channel.events["basic_nack"].add(
            lambda tag, multiple: opened.settle(tag, multiple, ok=False)
        )
        self._local.channel = opened
        return opened

    def _forget(self) -> None:
        kept: _ConfirmChannel | None = getattr(self._local, "channel", None)
        self._local.channel = None
        if kept is not None:
            try:
                kept.connection.release()
            except Exception:
                logger.debug("closing a broken batch connection failed", exc_info=True)

    def send(self, items: Sequence[K], publish: Callable[[K, Producer], None]) -> list[K]:
        """``publish(item, producer)`` each item, then wait for the broker's confirms; returns
        the items it did not confirm (nacked, unconfirmed in time, or not sent at all)."""
        try:
            confirm = self._channel()
        except Exception:
            logger.exception("no broker connection for a batch of %d messages", len(items))
            return list(items)
        published = 0
        try:
            for item in items:
                publish(item, confirm.producer)
                confirm.sent += 1
                confirm.pending[confirm.sent] = item
                published += 1
            self._await(confirm)
        except Exception:
            logger.exception("a batch of %d messages broke off", len(items))
            failed = [*confirm.nacked, *confirm.pending.values(), *items[published:]]
            self._forget()
            return failed
        failed = [*confirm.nacked, *confirm.pending.values()]
        confirm.nacked.clear()
        if confirm.pending:
            logger.error("%d messages unconfirmed after %.0f s", len(failed), self.confirm_timeout)
            self._forget()  # late confirms must not be taken for a later batch's
        return failed

    def _await(self, confirm: _ConfirmChannel) -> None:
        deadline = time.monotonic() + self.confirm_timeout
        while confirm.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                confirm.connection.drain_events(timeout=remaining)
            except TimeoutError:
                return
