"""``/artifacts``: download what a run took or made, and a run's preview image."""

from __future__ import annotations

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Router

from .access import run_for
from .artifact_refs import display_name, find_artifact, named_artifacts, run_id_of
from .auth import api_auth
from .file_responses import BINARY_RESPONSES, serve_stored
from .ids import ArtifactId
from .problems import NotFound, Problem
from .runtime import runtime

router = Router(tags=["artifacts"], auth=api_auth)
PREVIEW_OUTPUT = "preview"
ERRORS = {401: Problem, 404: Problem, 416: Problem}


def _artifact(request: HttpRequest, artifact_id: str):  # type: ignore[no-untyped-def]
    missing = NotFound(
        f"no artifact with id '{artifact_id}'; artifact ids are listed in GET /runs/{{id}}"
    )
    run_id = run_id_of(artifact_id)
    if run_id is None:
        raise missing
    try:
        run = run_for(request.auth, run_id)
    except NotFound:
        raise missing from None
    artifact = find_artifact(run, artifact_id)
    if artifact is None:
        raise missing
    return run, artifact


@router.get(
    "/{artifact_id}",
    response=ERRORS,
    openapi_extra={"responses": BINARY_RESPONSES},
    summary="Download an artifact (Range requests work)",
)
def download_artifact(request: HttpRequest, artifact_id: ArtifactId) -> StreamingHttpResponse:
    _, artifact = _artifact(request, artifact_id)
    return serve_stored(
        request,
        runtime().storage,
        artifact.key,
        media_type=artifact.media_type,
        filename=display_name(artifact),
    )


@router.get(
    "/{artifact_id}/preview",
    response=ERRORS,
    openapi_extra={"responses": BINARY_RESPONSES},
    summary="The preview image of the run that made this artifact",
)
def preview_artifact(request: HttpRequest, artifact_id: ArtifactId) -> StreamingHttpResponse:
    run, _ = _artifact(request, artifact_id)
    preview = named_artifacts(run.outputs).get(PREVIEW_OUTPUT)
    if preview is None:
        raise NotFound(
            f"run {run.id} of {run.flow} has no preview (yet): previews exist once a flow "
            "that makes one, such as image.correct, has completed"
        )
    return serve_stored(
        request,
        runtime().storage,
        preview.key,
        media_type=preview.media_type,
        filename=display_name(preview),
        attachment=False,
    )
