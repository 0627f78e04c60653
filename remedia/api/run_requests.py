"""What a request to ``/runs`` carries: the list's filters and a submission's two bodies.

A submission comes as JSON naming an uploaded asset, or as multipart with the file in the
same request; both become one ``RunSubmit``, validated the same way.
"""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpRequest
from ninja import Schema
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from remedia.executor.states import RunState

from .assets_store import store_upload
from .ids import FLOW_NAME
from .models import Asset
from .problems import MalformedBody, Unprocessable, UnsupportedMediaType
from .run_schemas import RunSubmit
from .runtime import runtime


class RunFilters(Schema):
    """What ``GET /runs`` may be narrowed by; every filter is optional."""

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


def json_submission(request: HttpRequest) -> RunSubmit:
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


def multipart_submission(request: HttpRequest) -> tuple[RunSubmit, Asset]:
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


def parse_submission(request: HttpRequest) -> tuple[RunSubmit, Asset | None]:
    """The submission, and the asset stored from it when the file came in the request."""
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        return multipart_submission(request)
    if content_type in ("application/json", ""):
        return json_submission(request), None
    raise UnsupportedMediaType(
        f"send the submission as application/json or multipart/form-data, not {content_type}"
    )
