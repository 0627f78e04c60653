"""The OpenAPI document the UI's client is generated from: served, committed, and the same."""

from __future__ import annotations

import json
from pathlib import Path

from tests.api.clients import ApiClient

COMMITTED = Path(__file__).resolve().parents[2] / "remedia" / "api" / "openapi.json"


def test_the_served_openapi_document_equals_the_committed_file(anonymous: ApiClient):
    served = anonymous.get("/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(COMMITTED.read_text()), (
        "remedia/api/openapi.json is stale: run scripts/openapi and commit the result"
    )


def test_the_interactive_docs_page_is_served(anonymous: ApiClient):
    response = anonymous.get("/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_every_error_response_in_the_document_is_a_problem(anonymous: ApiClient):
    document = anonymous.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (
                        method,
                        path,
                        status,
                    )


def test_run_and_step_states_are_enums_in_the_document(anonymous: ApiClient):
    schemas = anonymous.get("/openapi.json").json()["components"]["schemas"]
    assert "COMPLETED" in schemas["RunState"]["enum"]
    assert "SKIPPED" in schemas["StepState"]["enum"]
