"""Step options: how often to retry, how long to wait, where to run, whether to cache."""

from __future__ import annotations

import math
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(value: str | float | int) -> float:
    """Seconds from 30, 2.5, "500ms", "30s", "5m" or "1h"."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}; write e.g. 30, '30s', '5m', '1h'")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"not a duration: {value!r}; write e.g. 30, '30s', '5m', '1h'")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if math.isnan(seconds) or seconds <= 0:
        raise ValueError(f"a duration must be positive, got {value!r}")
    if math.isinf(seconds):
        raise ValueError(f"a duration must be finite, got {value!r}")
    return seconds


class StepOptions(BaseModel):
    """What the executor needs to know about a step besides its function."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    retries: int = Field(default=0, ge=0, le=100)
    retry_backoff: float = Field(
        default=1.0, ge=0, le=3600, description="Seconds before the first retry; doubles each time."
    )
    retry_jitter: float = Field(default=0.2, ge=0, le=1, description="Up to this fraction added.")
    timeout: float | None = Field(default=None, description="Seconds a single attempt may take.")
    queue: str = Field(default="default", pattern=r"^[a-z][a-z0-9_.-]{0,62}$")
    cache: bool = False
    version: int = Field(default=1, ge=1)

    @field_validator("timeout", mode="before")
    @classmethod
    def _parse_timeout(cls, value: str | float | None) -> float | None:
        return None if value is None else parse_duration(value)

    def retry_delay(self, attempt: int, jitter_draw: float = 0.0) -> float:
        """Delay before attempt ``attempt + 1`` after attempt ``attempt`` failed (1-based)."""
        base = self.retry_backoff * (2 ** max(attempt - 1, 0))
        return base * (1 + self.retry_jitter * jitter_draw)
