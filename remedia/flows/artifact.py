"""Artifact: a file in storage that steps pass to each other by reference.

Steps never pass media through the broker; they pass these small records, which name an object
in storage and carry its digest so that caching and duplicate detection need no extra read.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ARTIFACT_TAG = "$artifact"


class Artifact(BaseModel):
    """An immutable reference to a stored file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(description="Storage key, relative to the storage root.")
    digest: str = Field(description="sha256 of the content, hex.")
    size: int = Field(ge=0, description="Size in bytes.")
    media_type: str = Field(default="application/octet-stream")
    name: str | None = Field(default=None, description="Display name, e.g. the uploaded file's.")

    @property
    def suffix(self) -> str:
        tail = self.key.rsplit("/", 1)[-1]
        return "." + tail.rsplit(".", 1)[-1] if "." in tail else ""


def encode_value(value: Any) -> Any:
    """Turn a step's return value into JSON, tagging artifacts so they survive a round trip."""
    if isinstance(value, Artifact):
        return {ARTIFACT_TAG: value.model_dump(mode="json")}
    if isinstance(value, dict):
        return {str(k): encode_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode_value(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, BaseModel):
        return encode_value(value.model_dump(mode="json"))
    raise TypeError(f"a step may return artifacts and JSON values only, not {type(value).__name__}")


def decode_value(value: Any) -> Any:
    """Inverse of encode_value."""
    if isinstance(value, dict):
        if set(value) == {ARTIFACT_TAG}:
            return Artifact.model_validate(value[ARTIFACT_TAG])
        return {k: decode_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    return value


def artifacts_in(value: Any) -> list[Artifact]:
    """Every artifact inside a decoded value, in order."""
    if isinstance(value, Artifact):
        return [value]
    if isinstance(value, dict):
        return [a for v in value.values() for a in artifacts_in(v)]
    if isinstance(value, list | tuple):
        return [a for v in value for a in artifacts_in(v)]
    return []
