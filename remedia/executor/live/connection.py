"""Redis clients for live progress: short timeouts, no hidden retries.

redis-py retries a failed command three times with a backoff of about a second by default;
for progress that would turn a Redis outage into seconds of stall per report. Here a command
fails once and fast, and the caller decides (writes drop and count, reads fall back to the DB).
"""

from __future__ import annotations

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from .settings import LiveSettings

# Progress events take ids '<seq>-*' (explicit time part, generated sequence): Redis 7.0+.
MIN_SERVER_VERSION = (7, 0)


class RedisTooOld(RuntimeError):
    """The server cannot generate '<seq>-*' stream ids."""


def connect(settings: LiveSettings, *, block_ms: int = 0, name: str | None = None) -> Redis:
    """A client for ``settings.redis_url``.

    Args:
        block_ms: the longest XREAD BLOCK this client will issue; its read timeout is raised by
            that much, so a blocking read is not cut short by the short write timeout.
        name: a CLIENT SETNAME, to find the connection in CLIENT LIST.
    """
    timeout = settings.socket_timeout_seconds
    return Redis.from_url(
        settings.redis_url,
        socket_timeout=timeout + block_ms / 1000,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        retry_on_error=[],
        decode_responses=True,
        client_name=name,
    )


def check_server(client: Redis) -> tuple[int, ...]:
    """The server's version; raises RedisTooOld below 7.0. Call it once at worker start."""
    raw = str(client.info("server")["redis_version"])
    version = tuple(int(part) for part in raw.split(".")[:3])
    if version < MIN_SERVER_VERSION:
        raise RedisTooOld(f"live progress needs Redis 7.0 or newer, the server runs {raw}")
    return version
