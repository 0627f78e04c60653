"""Artifact ids: ``<run id>-<hash of the storage key>``, so every id names the run it belongs to.

Access to an artifact is access to its run; no table of artifacts is needed, and an id cannot
be turned into another run's file by guessing keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from remedia.executor.store.models import FlowRun, StepRun
from remedia.flows import Artifact, artifacts_in, decode_value

KEY_HASH_LENGTH = 16
API_PREFIX = "/api/v1"


def artifact_id(run_id: str, key: str) -> str:
    return f"{run_id}-{hashlib.sha256(key.encode()).hexdigest()[:KEY_HASH_LENGTH]}"


def run_id_of(artifact: str) -> str | None:
    """The run an artifact id belongs to, or None when the id is malformed."""
    run_id, sep, key_hash = artifact.rpartition("-")
    if not sep or not run_id or len(key_hash) != KEY_HASH_LENGTH:
        return None
    return run_id


def display_name(artifact: Artifact) -> str:
    return artifact.name or artifact.key.rsplit("/", 1)[-1]


def artifact_body(run_id: str, artifact: Artifact) -> dict[str, Any]:
    """The artifact as ``ArtifactOut`` serialises it (same keys, same order)."""
    ident = artifact_id(run_id, artifact.key)
    return {
        "id": ident,
        "name": display_name(artifact),
        "media_type": artifact.media_type,
        "size": artifact.size,
        "digest": artifact.digest,
        "url": f"{API_PREFIX}/artifacts/{ident}",
    }


def decoded_artifacts(value: Any) -> list[Artifact]:
    return artifacts_in(decode_value(value)) if value is not None else []


def named_artifacts(value: dict[str, Any] | None) -> dict[str, Artifact]:
    """The artifacts of a name -> value mapping (a run's inputs or outputs)."""
    found = {}
    for name, raw in (value or {}).items():
        items = decoded_artifacts(raw)
        if len(items) == 1:
            found[name] = items[0]
    return found


def all_artifacts(run: FlowRun, steps: Iterable[StepRun]) -> list[Artifact]:
    """Every artifact a run took or made: inputs, step outputs, run outputs."""
    found = list(named_artifacts(run.inputs).values())
    for step in steps:
        found.extend(decoded_artifacts(step.output))
    found.extend(named_artifacts(run.outputs).values())
    return found


def find_artifact(run: FlowRun, ident: str) -> Artifact | None:
    for artifact in all_artifacts(run, StepRun.objects.filter(run_id=run.id)):
        if artifact_id(run.id, artifact.key) == ident:
            return artifact
    return None
