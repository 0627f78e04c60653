"""The step cache: a step whose (name, version, inputs, arguments) were computed before reuses
that output instead of running.

Entries live in storage next to the artifacts they point at, so the local executor and every
Celery worker share one cache, and an entry whose artifacts were deleted is simply a miss.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from remedia.flows import Step, artifacts_in, decode_value
from remedia.flows.artifact import ARTIFACT_TAG
from remedia.storage import ObjectNotFound, Storage

CACHE_PREFIX = "cache"


def _canonical(value: Any) -> Any:
    """Inputs with each artifact replaced by its digest: the same content hits the same entry."""
    if isinstance(value, dict):
        if set(value) == {ARTIFACT_TAG}:
            return {"sha256": value[ARTIFACT_TAG]["digest"]}
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def cache_key(step: Step, inputs: dict[str, Any]) -> str:
    material = json.dumps(
        {"step": step.name, "version": step.options.version, "inputs": _canonical(inputs)},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(material.encode()).hexdigest()


class StepCache:
    """Look up and record step outputs by cache key."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def _key(self, key: str) -> str:
        return f"{CACHE_PREFIX}/{key[:2]}/{key}.json"

    def get(self, key: str) -> Any | None:
        """The encoded output cached under ``key``, or None if absent or its artifacts are gone."""
        try:
            entry = json.loads(self.storage.read_bytes(self._key(key)))
        except (ObjectNotFound, ValueError):
            return None
        output = entry.get("output")
        for artifact in artifacts_in(decode_value(output)):
            if not self.storage.exists(artifact.key):
                return None
        return output

    def put(self, key: str, output: Any) -> None:
        self.storage.put(self._key(key), json.dumps({"output": output}).encode())
