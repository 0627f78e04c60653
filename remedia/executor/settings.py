"""ExecutorSettings and BrokerSettings: the distributed executor's tunables, from the environment.

Liveness bounds follow from three numbers: a running step beats every ``heartbeat_seconds``,
is declared lost after ``lease_seconds`` without a beat, and the reaper looks every
``reaper_seconds``. Keep the lease at three beats or more, so a busy worker is not reaped.
"""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class BrokerSettings(BaseSettings):
    """Where step messages go: RabbitMQ (``amqp://``) in production, Redis when embedded."""

    model_config = SettingsConfigDict(env_prefix="REMEDIA_BROKER_", extra="ignore")

    url: str = Field(
        default=DEFAULT_REDIS_URL, description="amqp://user:pass@host:5672// or redis://"
    )
    queue_prefix: str = Field(
        default="remedia",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="Queues are named PREFIX.QUEUE, e.g. remedia.default.",
    )
    delivery_limit: int = Field(
        default=10, ge=2, le=1000, description="Deliveries of one message before dead-lettering."
    )
    visibility_timeout: int = Field(
        default=3600, ge=30, description="Redis broker: seconds before an unacked message returns."
    )

    @property
    def is_amqp(self) -> bool:
        return self.url.startswith(("amqp://", "amqps://", "pyamqp://"))


class ExecutorSettings(BaseSettings):
    """How the distributed executor watches over running steps."""

    model_config = SettingsConfigDict(env_prefix="REMEDIA_EXECUTOR_", extra="ignore")

    heartbeat_seconds: float = Field(default=5.0, gt=0, le=300)
    lease_seconds: float = Field(default=30.0, gt=0, le=3600)
    reaper_seconds: float = Field(default=10.0, gt=0, le=3600)
    publish_grace_seconds: float = Field(
        default=10.0, gt=0, description="A QUEUED step not published after this is published."
    )
    republish_after_seconds: float = Field(
        default=600.0,
        gt=0,
        description="A published step still QUEUED after this is published again (lost message).",
    )
    timeout_grace_seconds: float = Field(
        default=10.0, ge=0, description="After a step's timeout, how long before it is killed."
    )
    lost_attempts_allowed: int = Field(
        default=2,
        ge=0,
        le=20,
        description="Re-runs after a lost worker beyond a step's own retries (crash loops end).",
    )
    claim_after_seconds: float = Field(
        default=0.5,
        ge=0,
        description=(
            "A delivered step starts at once and its claim is committed with its outcome, "
            "or after it has run this long, whichever comes first (one commit instead of two "
            "for a short step); 0 commits each claim before the step starts."
        ),
    )
    continue_seconds: float = Field(
        default=5.0,
        ge=0,
        description=(
            "A worker that settles a step runs a successor it made ready on one of its own "
            "queues itself, without a broker hop, until one delivery has kept it this long; "
            "0 sends every step through the broker."
        ),
    )
    synchronous_step_commit: bool = Field(
        default=True,
        description=(
            "PostgreSQL: False lets a step's claim and settlement commit without waiting for "
            "the WAL flush. A PostgreSQL crash (not a worker's) may then lose the last ~0.6 s "
            "of those commits: the reaper re-runs what they recorded, and watchers may have "
            "seen states that are undone. Submits, cancels and retries always wait."
        ),
    )
    max_countdown_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Retries due sooner are scheduled by message; later by the reaper.",
    )

    @model_validator(mode="after")
    def _lease_outlasts_beats(self) -> ExecutorSettings:
        if self.lease_seconds < 3 * self.heartbeat_seconds:
            raise ValueError(
                "REMEDIA_EXECUTOR_LEASE_SECONDS must be at least 3x "
                "REMEDIA_EXECUTOR_HEARTBEAT_SECONDS, or busy steps would be reaped"
            )
        return self
