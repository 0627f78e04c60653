"""DatabaseSettings: the run store's database from ``REMEDIA_DATABASE_URL``.

PostgreSQL in production; SQLite (WAL, a busy timeout, and ``BEGIN IMMEDIATE`` so that the
run-row lock of an advancing run is a real write lock) as the embedded default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE = ".remedia/remedia.sqlite3"
SQLITE_BUSY_TIMEOUT_SECONDS = 30


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REMEDIA_DATABASE_", extra="ignore")

    url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE}",
        description="postgres://user:pass@host:5432/name, or sqlite:///path/to/file.sqlite3",
    )
    application_name: str = Field(
        default="remedia",
        max_length=63,
        description="How PostgreSQL names this process's sessions (pg_stat_activity).",
    )

    def django(self) -> dict[str, Any]:
        """The ``DATABASES["default"]`` entry for Django."""
        try:
            config: dict[str, Any] = dj_database_url.parse(self.url, conn_max_age=600)
        except ValueError as exc:
            raise ValueError(f"REMEDIA_DATABASE_URL={self.url!r} is not usable: {exc}") from None
        if config["ENGINE"] == "django.db.backends.sqlite3":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
            config["CONN_MAX_AGE"] = 0
            config["OPTIONS"] = {
                "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        else:
            config["CONN_HEALTH_CHECKS"] = True
            config.setdefault("OPTIONS", {})["application_name"] = self.application_name
        return config
