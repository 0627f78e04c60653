"""The real services the suite talks to, and a failure that names the one that is missing."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Service:
    name: str
    host: str
    port: int
    start: str

    def require(self) -> None:
        """Fail the test (never skip it) when the service does not answer."""
        try:
            with socket.create_connection((self.host, self.port), timeout=2):
                return
        except OSError as exc:
            pytest.fail(
                f"{self.name} at {self.host}:{self.port} is not reachable ({exc}); "
                f"start it with: {self.start}",
                pytrace=False,
            )


POSTGRES = Service(
    "PostgreSQL",
    "127.0.0.1",
    5432,
    "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
)
REDIS = Service(
    "Redis",
    "127.0.0.1",
    6379,
    'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
)
RABBITMQ = Service("RabbitMQ", "127.0.0.1", 5672, "rabbitmq-server -detached")

RABBITMQ_URL = os.environ.get("REMEDIA_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
#: The live store and the Redis broker of the suite live in their own database numbers.
REDIS_BROKER_URL = os.environ.get("REMEDIA_TEST_REDIS_BROKER_URL", "redis://127.0.0.1:6379/13")
REDIS_LIVE_URL = os.environ.get("REMEDIA_TEST_REDIS_LIVE_URL", "redis://127.0.0.1:6379/14")
