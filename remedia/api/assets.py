"""``/assets``: upload a file to correct, read its metadata, and fetch its bytes back."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, StreamingHttpResponse
from ninja import File, Router, Schema, UploadedFile
from ninja.responses import Status

from .access import asset_for
from .assets_store import store_upload
from .auth import api_auth
from .file_responses import BINARY_RESPONSES, serve_stored
from .ids import AssetId
from .media_types import MediaKind
from .models import Asset
from .problems import Problem
from .runtime import runtime

router = Router(tags=["assets"], auth=api_auth)
API_PREFIX = "/api/v1"


class AssetOut(Schema):
    """An uploaded file: its type as read from its bytes, its size and content digest."""

    id: str
    name: str
    media_type: str
    kind: MediaKind
    size: int
    digest: str
    created_at: datetime
    content_url: str


def asset_out(asset: Asset) -> AssetOut:
    return AssetOut(
        id=asset.id,
        name=asset.name,
        media_type=asset.media_type,
        kind=MediaKind(asset.kind),
        size=asset.size,
        digest=asset.digest,
        created_at=asset.created_at,
        content_url=f"{API_PREFIX}/assets/{asset.id}/content",
    )


@router.post(
    "",
    response={201: AssetOut, 401: Problem, 403: Problem, 413: Problem, 415: Problem, 422: Problem},
    summary="Upload a file (multipart field 'file'); its type is read from its bytes",
)
def upload_asset(request: HttpRequest, file: File[UploadedFile]) -> Status:
    rt = runtime()
    asset = store_upload(request.auth, file, rt.storage, rt.settings.max_upload_bytes)
    return Status(201, asset_out(asset))


@router.get(
    "/{asset_id}", response={200: AssetOut, 401: Problem, 404: Problem}, summary="Get an asset"
)
def get_asset(request: HttpRequest, asset_id: AssetId) -> AssetOut:
    return asset_out(asset_for(request.auth, asset_id))


@router.get(
    "/{asset_id}/content",
    response={401: Problem, 404: Problem, 416: Problem},
    openapi_extra={"responses": BINARY_RESPONSES},
    summary="Download an asset's bytes (Range requests work)",
)
def asset_content(request: HttpRequest, asset_id: AssetId) -> StreamingHttpResponse:
    asset = asset_for(request.auth, asset_id)
    return serve_stored(
        request,
        runtime().storage,
        asset.key,
        media_type=asset.media_type,
        filename=asset.name,
        attachment=False,
    )
