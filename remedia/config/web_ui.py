"""The web UI: the built single-page app (``ui/dist``) served by Django at ``/``.

App routes (``/``, ``/runs/…``, ``/login``) answer ``index.html``, never cached, so a new
build is picked up on the next page load. Built assets have content hashes in their names,
so they are cached for a year. The API stays under ``/api/v1`` and is never answered here.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.views.decorators.http import require_safe
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SOURCE_DIST = Path(__file__).resolve().parents[2] / "ui" / "dist"
HASHED_ASSETS = "assets"
ASSET_MAX_AGE_SECONDS = 365 * 24 * 3600
ROOT_FILE_MAX_AGE_SECONDS = 3600


class WebUiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REMEDIA_UI_", extra="ignore")

    dist_dir: Path | None = Field(
        default=None,
        description="The built UI (npm run build in ui/); default: ui/dist of the source "
        "checkout, else ./ui/dist",
    )

    def resolved_dist(self) -> Path:
        if self.dist_dir is not None:
            return self.dist_dir
        return SOURCE_DIST if SOURCE_DIST.is_dir() else Path.cwd() / "ui" / "dist"


def _inside(root: Path, relative: str) -> Path | None:
    """The file ``relative`` names under ``root``, or None (missing, or outside root)."""
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
        return None
    return candidate


def _file(path: Path, max_age: int, immutable: bool = False) -> FileResponse:
    media_type, _ = mimetypes.guess_type(path.name)
    response = FileResponse(path.open("rb"), content_type=media_type or "application/octet-stream")
    cache = f"public, max-age={max_age}"
    response["Cache-Control"] = f"{cache}, immutable" if immutable else cache
    return response


@require_safe
def hashed_asset(request: HttpRequest, path: str) -> FileResponse:
    """A built script, stylesheet or image: its name changes with its content."""
    found = _inside(WebUiSettings().resolved_dist() / HASHED_ASSETS, path)
    if found is None:
        raise Http404(f"no asset {path!r}")
    return _file(found, ASSET_MAX_AGE_SECONDS, immutable=True)


@require_safe
def app_page(request: HttpRequest, path: str = "") -> HttpResponse:
    """A file at the build's root (favicon.svg), else the app itself for its own routing."""
    dist = WebUiSettings().resolved_dist()
    if path and "/" not in path:
        found = _inside(dist, path)
        if found is not None and found.name != "index.html":
            return _file(found, ROOT_FILE_MAX_AGE_SECONDS)
    index = dist / "index.html"
    if not index.is_file():
        return HttpResponse(
            f"The web UI is not built ({index} is missing): run `npm ci && npm run build` in "
            "ui/, or scripts/bootstrap, which does it for you.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


urlpatterns: list[URLPattern] = [
    re_path(rf"^{HASHED_ASSETS}/(?P<path>.+)$", hashed_asset, name="ui-asset"),
    re_path(r"^(?!api/)(?P<path>.*)$", app_page, name="ui-app"),
]
