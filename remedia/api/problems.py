"""Problems: every error the API answers with, as RFC 9457 ``application/problem+json``.

One module maps exceptions to problems, so a client parses one shape whatever went wrong:
``type``, ``title``, ``status``, ``detail`` and, for validation, ``errors: [{loc, msg, type}]``.
Each ``detail`` says what the caller should change. Bad input is always a 4xx; only a bug in
remedia itself becomes a 500, and that one says nothing about the internals.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import ValidationError as PydanticValidationError

from remedia.executor.states import InvalidTransition
from remedia.flows import FlowError, ParameterError, UnknownFlow

logger = logging.getLogger("remedia.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:remedia:problem:"


class FieldError(Schema):
    """One invalid field: where it is (``["body", "params", "quality"]``), what is wrong."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(Schema):
    """An RFC 9457 problem document: what went wrong and what to change."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


class ApiProblem(Exception):
    """An error with its HTTP status; raise a subclass from any handler."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors is not None else None
        self.headers = dict(headers or {})


class MalformedBody(ApiProblem):
    status, slug, title = 400, "malformed-body", "Malformed request body"


class Unauthenticated(ApiProblem):
    status, slug, title = 401, "unauthenticated", "Authentication required"


class Forbidden(ApiProblem):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(ApiProblem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ApiProblem):
    status, slug, title = 409, "conflict", "Conflict with the current state"


class PayloadTooLarge(ApiProblem):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class UnsupportedMediaType(ApiProblem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class RangeNotSatisfiable(ApiProblem):
    status, slug, title = 416, "range-not-satisfiable", "Range not satisfiable"


class Unprocessable(ApiProblem):
    status, slug, title = 422, "validation-error", "Invalid request"


class RateLimited(ApiProblem):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, *, retry_after: float) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, math.ceil(retry_after)))})


class ServiceUnavailable(ApiProblem):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    errors: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """The one place a problem document is rendered."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = [
            {"loc": list(e["loc"]), "msg": str(e["msg"]), "type": str(e["type"])} for e in errors
        ]
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _from_problem(exc: ApiProblem) -> HttpResponse:
    return problem_response(
        exc.status, exc.slug, exc.title, exc.detail, errors=exc.errors, headers=exc.headers
    )


def _field_errors(raw: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "loc": [p for p in e.get("loc", ()) if isinstance(p, str | int)],
            "msg": e.get("msg", "invalid"),
            "type": e.get("type", "value_error"),
        }
        for e in raw
    ]


def _summary(errors: list[dict[str, Any]]) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'request'}: {e['msg']}" for e in errors]
    return "; ".join(parts[:5]) + (f"; and {len(parts) - 5} more" if len(parts) > 5 else "")


def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    refused = getattr(request, "upload_refused", None)
    if refused:  # a skipped oversized file looks like a missing field to the parser
        return _from_problem(PayloadTooLarge(refused))
    errors = _field_errors(exc.errors)
    detail = f"the request is invalid: {_summary(errors)}"
    return _from_problem(Unprocessable(detail, errors=errors))


def _pydantic(request: HttpRequest, exc: PydanticValidationError) -> HttpResponse:
    errors = _field_errors(exc.errors(include_url=False))
    return _from_problem(
        Unprocessable(f"the request is invalid: {_summary(errors)}", errors=errors)
    )


def _parameters(request: HttpRequest, exc: ParameterError) -> HttpResponse:
    errors = [
        {
            "loc": ["body", "params", *[p for p in str(d.get("field", "")).split(".") if p]],
            "msg": d.get("message", "invalid"),
            "type": "parameter_error",
        }
        for d in exc.errors
    ]
    return _from_problem(Unprocessable(str(exc), errors=errors))


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return _unauthenticated(request, exc)
    if isinstance(exc, Throttled):
        return _from_problem(RateLimited(str(exc), retry_after=exc.wait or 1))
    status = exc.status_code
    if status == 400 and "parse" in str(exc).lower():
        return _from_problem(MalformedBody("the request body is not valid JSON: send an object"))
    return problem_response(status, f"http-{status}", _title(status), str(exc))


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    detail = (
        "log in (POST /api/v1/auth/login) or send 'Authorization: Bearer <token>' with an API token"
    )
    return _from_problem(Unauthenticated(detail, headers={"WWW-Authenticate": "Bearer"}))


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    detail = str(exc) if isinstance(exc, ObjectDoesNotExist | Http404) and str(exc) else ""
    return _from_problem(NotFound(detail or f"nothing at {request.path}"))


def _unknown_flow(request: HttpRequest, exc: UnknownFlow) -> HttpResponse:
    return _from_problem(NotFound(str(exc)))


def _invalid_transition(request: HttpRequest, exc: InvalidTransition) -> HttpResponse:
    return _from_problem(Conflict(str(exc)))


def _flow_error(request: HttpRequest, exc: FlowError) -> HttpResponse:
    return _from_problem(Unprocessable(str(exc)))


def _unstorable(request: HttpRequest, exc: DataError) -> HttpResponse:
    detail = f"a value in the request cannot be stored ({exc}); remove NUL characters or shorten it"
    return _from_problem(Unprocessable(detail.replace("\n", " ")))


def _too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _from_problem(PayloadTooLarge(f"the request body is too large: {exc}"))


def _unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _from_problem(MalformedBody(f"the request body could not be read: {exc}"))


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unexpected error answering %s %s", request.method, request.path)
    detail = "remedia failed to answer this request; the error is logged on the server"
    return problem_response(500, "internal-error", "Internal error", detail)


def install_problem_handlers(api: NinjaAPI) -> None:
    """Make every exception the API can meet answer as a problem document."""
    api.add_exception_handler(ApiProblem, lambda request, exc: _from_problem(exc))
    api.add_exception_handler(ValidationError, _validation)
    api.add_exception_handler(PydanticValidationError, _pydantic)
    api.add_exception_handler(ParameterError, _parameters)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(ObjectDoesNotExist, _not_found)
    api.add_exception_handler(UnknownFlow, _unknown_flow)
    api.add_exception_handler(InvalidTransition, _invalid_transition)
    api.add_exception_handler(FlowError, _flow_error)
    api.add_exception_handler(DataError, _unstorable)
    api.add_exception_handler(RequestDataTooBig, _too_big)
    api.add_exception_handler(TooManyFieldsSent, _unreadable)
    api.add_exception_handler(MultiPartParserError, _unreadable)
    api.add_exception_handler(UnreadablePostError, _unreadable)
    api.add_exception_handler(SuspiciousOperation, _unreadable)
    api.add_exception_handler(json.JSONDecodeError, _unreadable)
    api.add_exception_handler(Exception, _unexpected)
