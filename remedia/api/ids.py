"""The shapes of the ids in URLs, checked before any query so a malformed id is a clear 422."""

from __future__ import annotations

from typing import Annotated

from ninja import Path

RUN_ID = r"^[A-Za-z0-9_]{1,32}$"
ASSET_ID = r"^[0-9a-f]{32}$"
ARTIFACT_ID = r"^[A-Za-z0-9_]{1,32}-[0-9a-f]{16}$"
FLOW_NAME = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"

RunId = Annotated[str, Path(pattern=RUN_ID, description="A run id, as GET /runs lists them.")]
AssetId = Annotated[str, Path(pattern=ASSET_ID, description="An asset id from POST /assets.")]
ArtifactId = Annotated[
    str, Path(pattern=ARTIFACT_ID, description="An artifact id from a run's steps or outputs.")
]
FlowName = Annotated[
    str, Path(pattern=FLOW_NAME, max_length=200, description="A flow name, e.g. image.correct.")
]
