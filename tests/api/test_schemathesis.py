"""Every operation, fed generated requests by schemathesis: never a 5xx, never off its schema.

Bounded (a fixed number of examples per operation, no deadline on a shared machine) and
authenticated with a bearer token made for each example, so that an example revoking tokens
cannot lock out the next one. The operations are read from the committed document (which
``test_openapi`` holds equal to the served one), one test per operation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.clients import make_user

EXAMPLES_PER_OPERATION = 25
DOCUMENT = Path(__file__).resolve().parents[2] / "remedia" / "api" / "openapi.json"
PATHS = json.loads(DOCUMENT.read_text())["paths"]
#: (mode, method, path): invalid requests only where there is an input to make invalid.
OPERATIONS = [
    (mode, method.upper(), path)
    for path, methods in PATHS.items()
    for method, operation in methods.items()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode == GenerationMode.POSITIVE or "requestBody" in operation or operation.get("parameters")
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(api: Any) -> Any:
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.mark.parametrize(
    ("mode", "method", "path"), OPERATIONS, ids=[f"{m.value} {o} {p}" for m, o, p in OPERATIONS]
)
def test_no_operation_answers_a_server_error_or_breaks_its_schema(
    api_schema: Any, mode: GenerationMode, method: str, path: str
):
    """Valid requests and invalid ones alike: the invalid ones must be 4xx problems."""
    from remedia.api.tokens import issue_token

    fuzzer = make_user("fuzzer")
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: Any) -> None:
        headers = {"Authorization": f"Bearer {issue_token(fuzzer, 'fuzz')}"}
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()
