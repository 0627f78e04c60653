"""StorageSettings: where artifacts live, read once from ``REMEDIA_STORAGE_URL``."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .base import Storage
from .url import open_storage

DEFAULT_STORAGE_URL = "file://.remedia/storage"


class StorageSettings(BaseSettings):
    """The storage backend. A relative ``file://`` path is taken from the current folder."""

    model_config = SettingsConfigDict(env_prefix="REMEDIA_STORAGE_", extra="ignore")

    url: str = Field(
        default=DEFAULT_STORAGE_URL,
        min_length=1,
        description="file:///path/to/folder (the default is .remedia/storage) or s3://bucket.",
    )

    def open(self) -> Storage:
        return open_storage(self.url)
