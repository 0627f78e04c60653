"""The one ``NinjaAPI`` under ``/api/v1``: every router is mounted here, and only here.

Its OpenAPI document is the UI's contract (committed as ``openapi.json``): operation ids are
the handlers' names in camelCase, and error responses are declared as
``application/problem+json``, which is what they are.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from . import accounts, artifacts, assets, events, flows, health, runs
from .problems import PROBLEM_MEDIA_TYPE, install_problem_handlers
from .run_schemas import RunSubmit


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _problems_as_problem_json(schema: dict[str, Any]) -> None:
    """Error responses are problem documents; an operation with a body may get a 400 (it
    is not JSON), and one with any input a 422 (a value is invalid)."""
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation["responses"]
            if "requestBody" in operation:
                responses.setdefault(
                    "400", {"description": "Bad Request", "content": {"application/json": problem}}
                )
            if "requestBody" in operation or operation.get("parameters"):
                responses.setdefault(
                    "422",
                    {
                        "description": "Unprocessable Entity",
                        "content": {"application/json": problem},
                    },
                )
                operation["responses"] = dict(
                    sorted(operation["responses"].items(), key=lambda item: int(item[0]))
                )
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if int(status) >= 400 and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")


class RemediaApi(NinjaAPI):
    """NinjaAPI with remedia's operation ids and problem documents in the schema."""

    def get_openapi_operation_id(self, operation: Any) -> str:
        return _camel(operation.view_func.__name__)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        _problems_as_problem_json(schema)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        submit = RunSubmit.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(submit.pop("$defs", {}))
        components["RunSubmit"] = submit
        return schema


api = RemediaApi(
    title="remedia",
    version="1",
    description="Media corrections as multi-step flows, with live progress per step.",
    urls_namespace="api-v1",
)
install_problem_handlers(api)
api.add_router("/", health.router)
api.add_router("/auth", accounts.router)
api.add_router("/flows", flows.router)
api.add_router("/assets", assets.router)
api.add_router("/runs", runs.router)
api.add_router("/runs", events.router)
api.add_router("/artifacts", artifacts.router)
