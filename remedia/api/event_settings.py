"""EventStreamSettings: how the event stream waits, beats and tells clients to reconnect."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EventStreamSettings(BaseSettings):
    """Read once per process from ``REMEDIA_EVENTS_*``; bounds make a typo fail at startup."""

    model_config = SettingsConfigDict(env_prefix="REMEDIA_EVENTS_", extra="ignore", frozen=True)

    heartbeat_seconds: float = Field(
        15.0,
        gt=0,
        le=300,
        description="A comment line is sent after this long without an event, so proxies and "
        "load balancers keep an idle stream open.",
    )
    poll_ms: int = Field(
        1_000,
        ge=50,
        le=30_000,
        description="How long one blocking read waits before the stream checks the run's end, "
        "a lost Redis stream and held events (events themselves arrive without waiting).",
    )
    retry_ms: int = Field(
        2_000,
        ge=100,
        le=60_000,
        description="The reconnect delay an EventSource is told to use (the SSE retry field).",
    )
