"""ApiSettings: the API's limits, read once from ``REMEDIA_API_*`` variables.

Passed to the handlers through the API runtime, so a test chooses its own limits without
touching the environment.
"""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """Bounds on what one client may send; every field has limits so a typo fails at start."""

    model_config = SettingsConfigDict(env_prefix="REMEDIA_API_", extra="ignore", frozen=True)

    max_upload_bytes: int = Field(
        256 * 1024 * 1024,
        ge=1,
        le=64 * 1024**3,
        description="Largest file one upload may carry (REMEDIA_API_MAX_UPLOAD_BYTES).",
    )
    submissions_per_window: int = Field(
        60,
        ge=1,
        le=100_000,
        description="Runs one user may submit per window; more are refused with 429.",
    )
    submission_window_seconds: int = Field(
        60, ge=1, le=86_400, description="The sliding window the submission limit counts over."
    )
    page_size: int = Field(20, ge=1, le=500, description="Runs per page when none is asked for.")
    max_page_size: int = Field(100, ge=1, le=1000, description="Most runs one page may hold.")

    @model_validator(mode="after")
    def _page_fits(self) -> ApiSettings:
        if self.page_size > self.max_page_size:
            raise ValueError(
                "REMEDIA_API_PAGE_SIZE must not exceed REMEDIA_API_MAX_PAGE_SIZE "
                f"({self.page_size} > {self.max_page_size})"
            )
        return self
