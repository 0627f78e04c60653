"""``remedia api``: the HTTP API and the UI, served by uvicorn from the ASGI application.

ASGI (not WSGI) because the event stream is asynchronous: an SSE client waiting for the next
event holds a coroutine, not a thread, so a few processes serve many watchers.
"""

from __future__ import annotations

import os

import uvicorn

ASGI_APPLICATION = "remedia.config.asgi:application"
#: Open event streams are cut after this on shutdown; clients reconnect with Last-Event-ID.
GRACEFUL_SHUTDOWN_SECONDS = 5


def api_command(host: str, port: int, *, processes: int = 1, log_level: str = "warning") -> int:
    """Serve until SIGINT or SIGTERM; uvicorn finishes open requests, then exits 0."""
    os.environ.setdefault("REMEDIA_DATABASE_APPLICATION_NAME", "remedia-api")
    uvicorn.run(
        ASGI_APPLICATION,
        host=host,
        port=port,
        workers=processes if processes > 1 else None,
        lifespan="off",  # Django has no lifespan handlers
        log_level=log_level,
        access_log=log_level in ("debug", "info"),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        server_header=False,
    )
    return 0
