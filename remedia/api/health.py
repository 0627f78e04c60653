"""``/health`` (the process answers) and ``/ready`` (the services it needs answer too).

Liveness asks nothing of anyone, so a slow database never gets the API restarted; readiness
names each service that is down, so an operator knows where to look.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import connection
from django.http import HttpRequest
from kombu import Connection
from ninja import Router, Schema

from .problems import Problem, ServiceUnavailable
from .runtime import runtime

router = Router(tags=["health"])
CHECK_TIMEOUT_SECONDS = 2.0


class Health(StrEnum):
    OK = "ok"


class HealthOut(Schema):
    status: Health


class ReadyOut(Schema):
    """Each service the API needs, and that it answered."""

    status: Health
    database: Health
    broker: Health
    redis: Health


def _database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return f"database ({type(exc).__name__}: {exc})"
    return None


def _broker(url: str) -> str | None:
    try:
        with Connection(url, connect_timeout=CHECK_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"broker ({type(exc).__name__}: {exc})"
    return None


def _redis() -> str | None:
    try:
        runtime().live.client.ping()
    except Exception as exc:
        return f"redis ({type(exc).__name__}: {exc})"
    return None


@router.get("/health", response=HealthOut, auth=None, summary="Liveness: the API answers")
def get_health(request: HttpRequest) -> HealthOut:
    return HealthOut(status=Health.OK)


@router.get(
    "/ready",
    response={200: ReadyOut, 503: Problem},
    auth=None,
    summary="Readiness: the database, the broker and Redis answer",
)
def get_readiness(request: HttpRequest) -> ReadyOut:
    down = [d for d in (_database(), _broker(runtime().broker_url), _redis()) if d]
    if down:
        raise ServiceUnavailable("not ready, these services do not answer: " + "; ".join(down))
    return ReadyOut(status=Health.OK, database=Health.OK, broker=Health.OK, redis=Health.OK)
