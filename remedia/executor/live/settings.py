"""LiveSettings: where the live snapshot and event stream are kept, and how hard to try.

Read once from the environment (prefix ``REMEDIA_LIVE_``, plus the deployment-wide
``REMEDIA_REDIS_URL``) and passed explicitly to the publisher and the reader, so tests and
deployments choose their own Redis and key prefix without touching globals.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LiveSettings(BaseSettings):
    """Tunables of live progress; every field has bounds so a typo fails at startup."""

    model_config = SettingsConfigDict(
        env_prefix="REMEDIA_LIVE_", populate_by_name=True, extra="ignore", frozen=True
    )

    redis_url: str = Field(
        "redis://127.0.0.1:6379/0",
        validation_alias=AliasChoices("REMEDIA_REDIS_URL", "redis_url"),
        description="Redis holding run snapshots and event streams (REMEDIA_REDIS_URL).",
    )
    key_prefix: str = Field(
        "remedia:",
        min_length=1,
        max_length=64,
        description="Prefix of every key, so several deployments or tests share one Redis.",
    )
    progress_interval_ms: int = Field(
        100,
        ge=0,
        le=60_000,
        description="A step's progress is written at most this often; the final report at once.",
    )
    terminal_ttl_seconds: int = Field(
        86_400,
        ge=1,
        le=30 * 86_400,
        description="How long the snapshot and stream of a finished run stay in Redis.",
    )
    stream_maxlen: int = Field(
        10_000,
        ge=100,
        le=1_000_000,
        description="Approximate bound on the events kept per run; older ones are trimmed.",
    )
    socket_timeout_seconds: float = Field(
        0.5,
        gt=0,
        le=1.0,
        description="A write that takes longer is dropped: live progress never slows a step.",
    )
    gap_timeout_ms: int = Field(
        2_000,
        ge=0,
        le=60_000,
        description="How long a state event waits for an earlier one published late.",
    )
    failure_backoff_ms: int = Field(
        1_000,
        ge=0,
        le=60_000,
        description="After a failed progress write, the step's next write waits this long.",
    )
