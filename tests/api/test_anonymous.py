"""Every operation but health, readiness and login answers an anonymous caller 401."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.api.clients import ApiClient, assert_problem

DOCUMENT = Path(__file__).resolve().parents[2] / "remedia" / "api" / "openapi.json"
OPEN = {("GET", "/api/v1/health"), ("GET", "/api/v1/ready"), ("POST", "/api/v1/auth/login")}
EXAMPLE_IDS = {
    "run_id": "0" * 32,
    "asset_id": "0" * 32,
    "artifact_id": f"{'0' * 32}-{'0' * 16}",
    "name": "image.correct",
    "token_id": "1",
}
GUARDED = [
    (method.upper(), path)
    for path, methods in json.loads(DOCUMENT.read_text())["paths"].items()
    for method in methods
    if (method.upper(), path) not in OPEN
]


@pytest.mark.parametrize(("method", "path"), GUARDED, ids=[f"{m} {p}" for m, p in GUARDED])
def test_an_anonymous_caller_gets_401(anonymous: ApiClient, method: str, path: str):
    url = re.sub(r"\{(\w+)\}", lambda m: EXAMPLE_IDS[m.group(1)], path).removeprefix("/api/v1")
    call = {"GET": anonymous.get, "POST": anonymous.post, "DELETE": anonymous.delete}[method]
    assert_problem(call(url), 401)
