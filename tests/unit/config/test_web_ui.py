"""The web UI's routes: index.html for app routes, hashed assets cached for a year."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from remedia.config.django_setup import setup_django


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=app></div>")
    (tmp_path / "assets" / "index-3f2a.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path.parent / "secret.txt").write_text("no")
    monkeypatch.setenv("REMEDIA_UI_DIST_DIR", str(tmp_path))
    setup_django()
    return tmp_path


def get(path: str) -> Any:
    from django.test import Client

    return Client().get(path)


@pytest.mark.parametrize("path", ["/", "/runs", "/runs/new", "/runs/0f3c9a", "/login?next=/runs"])
def test_app_routes_answer_the_index_page_uncached(dist: Path, path: str) -> None:
    response = get(path)
    assert response.status_code == 200
    assert b"<div id=app>" in response.content
    assert response["Cache-Control"] == "no-cache"


def test_hashed_assets_are_cached_for_a_year(dist: Path) -> None:
    response = get("/assets/index-3f2a.js")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"console.log(1)"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "javascript" in response["Content-Type"]


def test_files_at_the_build_root_are_served_as_themselves(dist: Path) -> None:
    response = get("/favicon.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"


def test_a_missing_asset_is_404_and_no_path_leaves_the_build(dist: Path) -> None:
    assert get("/assets/gone.js").status_code == 404
    assert get("/assets/../../secret.txt").status_code == 404


def test_api_paths_are_never_answered_with_the_app(dist: Path) -> None:
    response = get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert b"<div id=app>" not in response.content


def test_an_unbuilt_ui_says_how_to_build_it(dist: Path) -> None:
    (dist / "index.html").unlink()
    response = get("/runs")
    assert response.status_code == 503
    assert b"npm run build" in response.content
