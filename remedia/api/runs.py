"""``/runs``: submit, list, read, cancel, retry and re-run runs of flows.

``GET /runs/{id}/events`` (the live event stream) is a router of its own, in ``events``.
"""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpRequest
from ninja import Header, Query, Router, Schema
from ninja.responses import Status
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from remedia.executor.states import RunState

from .access import run_for, visible_runs
from .assets_store import store_upload
from .auth import api_auth
from .ids import FLOW_NAME, RunId
from .models import Asset
from .pagination import page_of
from .problems import (
    Conflict,
    Forbidden,
    MalformedBody,
    Problem,
    Unprocessable,
    UnsupportedMediaType,
)
from .run_schemas import RunOut, RunPage, RunSubmit
from .run_views import run_out, run_summary
from .runtime import runtime
from .submission import rerun, submit_run

router = Router(tags=["runs"], auth=api_auth)

RETRYABLE = frozenset({RunState.FAILED, RunState.CANCELLED, RunState.CRASHED})
ERRORS = {401: Problem, 403: Problem, 404: Problem}


class RunFilters(Schema):
    flow: str | None = Field(
        default=None, pattern=FLOW_NAME, max_length=200, description="Only runs of this flow."
    )
    state: RunState | None = Field(default=None, description="Only runs in this state.")
    created_after: dt.datetime | None = Field(default=None, description="Created at or after.")
    created_before: dt.datetime | None = Field(default=None, description="Created before.")
    owner: str | None = Field(
        default=None, pattern=r"^[\w.@+-]{1,150}$", description="Username (staff only)."
    )
    cursor: str | None = Field(
        default=None, max_length=500, description="next_cursor of the previous page."
    )
    limit: int | None = Field(default=None, ge=1, le=1000, description="Runs per page.")


class MultipartRunSubmit(Schema):
    """A submission with its file in the same request (``params`` is a JSON object)."""

    flow: str
    version: int | None = None
    params: str = Field(default="{}", description="The parameters as a JSON object.")


SUBMIT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/RunSubmit"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["flow", "file"],
                    "properties": {
                        "flow": {"type": "string"},
                        "version": {"type": "integer", "minimum": 1},
                        "params": {"type": "string", "description": "A JSON object."},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            },
        },
    }
}


def _json_body(request: HttpRequest) -> RunSubmit:
    try:
        raw = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedBody(
            f"the request body is not valid JSON ({exc}); send a JSON object like "
            '{"flow": "image.correct", "asset_id": "...", "params": {}}'
        ) from None
    try:
        return RunSubmit.model_validate(raw)
    except PydanticValidationError as exc:
        errors = [
            {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False)
        ]
        text = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        raise Unprocessable(f"the submission is invalid: {text}", errors=errors) from None


def _multipart_body(request: HttpRequest) -> tuple[RunSubmit, Asset]:
    upload = request.FILES.get("file")
    if upload is None:
        raise Unprocessable(
            "a multipart submission needs the file in a field named 'file'",
            errors=[{"loc": ["form", "file"], "msg": "field required", "type": "missing"}],
        )
    try:
        params = json.loads(request.POST.get("params") or "{}")
    except ValueError:
        params = None
    if not isinstance(params, dict):
        raise Unprocessable(
            "the 'params' field must be a JSON object, e.g. {\"quality\": 85}",
            errors=[{"loc": ["form", "params"], "msg": "not a JSON object", "type": "json"}],
        )
    rt = runtime()
    asset = store_upload(request.auth, upload, rt.storage, rt.settings.max_upload_bytes)
    fields = {k: v for k, v in request.POST.items() if k in ("flow", "version")}
    try:
        body = RunSubmit.model_validate({**fields, "params": params, "asset_id": asset.id})
    except PydanticValidationError as exc:
        asset.delete()
        errors = [
            {"loc": ["form", *e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False)
        ]
        raise Unprocessable("the submission is invalid", errors=errors) from None
    return body, asset


@router.post(
    "",
    response={
        201: RunOut,
        **{code: Problem for code in (400, 401, 403, 404, 409, 413, 415, 422, 429)},
    },
    openapi_extra=SUBMIT_BODY,
    summary="Submit a run (JSON naming an asset, or multipart with the file)",
)
def create_run(
    request: HttpRequest,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status:
    content_type = request.content_type or ""
    uploaded: Asset | None = None
    if content_type == "multipart/form-data":
        body, uploaded = _multipart_body(request)
    elif content_type in ("application/json", ""):
        body = _json_body(request)
    else:
        raise UnsupportedMediaType(
            f"send the submission as application/json or multipart/form-data, not {content_type}"
        )
    try:
        run, replayed = submit_run(request.auth, body, idempotency_key, uploaded)
    except Exception:
        if uploaded is not None:
            uploaded.delete()
        raise
    if replayed and uploaded is not None:
        uploaded.delete()
    return Status(201, run_out(run))


@router.get(
    "",
    response={200: RunPage, 401: Problem, 403: Problem, 422: Problem},
    summary="List runs, newest first",
)
def list_runs(request: HttpRequest, filters: Query[RunFilters]) -> RunPage:
    user = request.auth
    runs = visible_runs(user).select_related("owner", "submission")
    if filters.owner is not None:
        if not user.is_staff and filters.owner != user.get_username():
            raise Forbidden("only staff may list other users' runs: leave 'owner' out")
        runs = runs.filter(owner__username=filters.owner)
    if filters.flow:
        runs = runs.filter(flow=filters.flow)
    if filters.state:
        runs = runs.filter(state=filters.state.value)
    if filters.created_after:
        runs = runs.filter(created_at__gte=filters.created_after)
    if filters.created_before:
        runs = runs.filter(created_at__lt=filters.created_before)
    settings = runtime().settings
    limit = min(filters.limit or settings.page_size, settings.max_page_size)
    rows, next_cursor = page_of(runs, filters.cursor, limit)
    return RunPage(items=[run_summary(r) for r in rows], next_cursor=next_cursor)


@router.get("/{run_id}", response={200: RunOut, **ERRORS}, summary="Get a run and its steps")
def get_run(request: HttpRequest, run_id: RunId) -> RunOut:
    return run_out(run_for(request.auth, run_id))


@router.post(
    "/{run_id}/cancel", response={202: RunOut, **ERRORS, 409: Problem}, summary="Ask a run to stop"
)
def cancel_run(request: HttpRequest, run_id: RunId) -> Status:
    run = run_for(request.auth, run_id)
    if not runtime().service.cancel(run.id):
        raise Conflict(f"run {run.id} already ended ({run.state}); there is nothing to cancel")
    return Status(202, run_out(run))


@router.post(
    "/{run_id}/retry",
    response={202: RunOut, **ERRORS, 409: Problem},
    summary="Run the failed, skipped and cancelled steps of a finished run again",
)
def retry_run(request: HttpRequest, run_id: RunId) -> Status:
    run = run_for(request.auth, run_id)
    if RunState(run.state) not in RETRYABLE:
        raise Conflict(
            f"run {run.id} is {run.state}: only a FAILED, CANCELLED or CRASHED run can be "
            "retried; use POST /runs/{id}/rerun to run a completed one again"
        )
    runtime().service.retry(run.id)
    return Status(202, run_out(run))


@router.post(
    "/{run_id}/rerun",
    response={201: RunOut, **ERRORS, 429: Problem},
    summary="Start a new run with the same flow version, inputs and parameters",
)
def rerun_run(request: HttpRequest, run_id: RunId) -> Status:
    original = run_for(request.auth, run_id)
    return Status(201, run_out(rerun(request.auth, original)))
