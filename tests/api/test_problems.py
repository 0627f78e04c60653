"""One module maps every exception to an RFC 9457 problem, with a status that says whose fault.

These drive a throwaway NinjaAPI with the same handlers installed, so each exception can be
raised on purpose.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

PROBLEM = "application/problem+json"


def _client_raising(exc: Exception) -> Any:
    from ninja import NinjaAPI
    from ninja.testing import TestClient

    from remedia.api.problems import install_problem_handlers

    api = NinjaAPI(urls_namespace=f"problems-{uuid.uuid4().hex}")
    install_problem_handlers(api)

    @api.get("/boom")
    def boom(request: Any) -> None:
        raise exc

    return TestClient(api)


def _answer(exc: Exception) -> tuple[int, dict[str, Any]]:
    response = _client_raising(exc).get("/boom")
    assert response["Content-Type"] == PROBLEM
    return response.status_code, response.json()


@pytest.fixture
def exceptions(api: Any) -> dict[str, Exception]:
    from django.db import DataError
    from django.http import Http404

    from remedia.executor.states import InvalidTransition
    from remedia.flows import ParameterError, TracingError, UnknownFlow

    return {
        "unknown flow": UnknownFlow("no flow named 'x'"),
        "bad parameters": ParameterError(
            "quality: too big", [{"field": "quality", "message": "x"}]
        ),
        "invalid transition": InvalidTransition("run r", "COMPLETED", "PENDING"),
        "http 404": Http404("no such thing"),
        "unstorable value": DataError("NUL characters are not allowed"),
        "untraceable parameters": TracingError("branching on a step's output"),
    }


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("unknown flow", 404),
        ("bad parameters", 422),
        ("invalid transition", 409),
        ("http 404", 404),
        ("unstorable value", 422),
        ("untraceable parameters", 422),
    ],
)
def test_each_kind_of_error_has_its_status(exceptions, name: str, status: int):
    code, problem = _answer(exceptions[name])
    assert code == problem["status"] == status
    assert problem["type"].startswith("urn:remedia:problem:")


def test_bad_parameters_name_their_field(exceptions):
    _, problem = _answer(exceptions["bad parameters"])
    assert problem["errors"] == [
        {"loc": ["body", "params", "quality"], "msg": "x", "type": "parameter_error"}
    ]


def test_an_unexpected_error_is_a_500_problem_that_reveals_nothing(api):
    code, problem = _answer(RuntimeError("password=hunter2 in /srv/secret.py"))
    assert code == 500
    assert "hunter2" not in problem["detail"] and "secret" not in problem["detail"]
    assert problem["detail"].endswith("logged on the server")
