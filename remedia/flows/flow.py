"""``@flow``: a named, versioned correction whose body calls steps.

Tracing a flow with concrete parameters produces its Dag. Parameters are a pydantic model whose
JSON schema is published for forms and validation; the flow's other arguments are its input
artifacts.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from .artifact import Artifact
from .catalogue import Catalogue, catalogue
from .dag import Dag, Input
from .errors import ParameterError, TracingError
from .tracing import Ref, tracing

_FLOW_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


class NoParams(BaseModel):
    """Parameters of a flow that takes none."""

    model_config = {"extra": "forbid"}


def format_validation_error(exc: ValidationError) -> tuple[str, list[dict[str, Any]]]:
    """One readable line and field-level details for a pydantic error."""
    details = [
        {
            "field": ".".join(str(p) for p in err["loc"]) or "(parameters)",
            "message": err["msg"],
            "value": err.get("input") if not isinstance(err.get("input"), dict) else None,
        }
        for err in exc.errors(include_url=False)
    ]
    text = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    return text, details


class Flow:
    """A registered flow."""

    def __init__(self, fn: Callable[..., Any], name: str, version: int) -> None:
        if not _FLOW_NAME.match(name):
            raise ValueError(f"flow name {name!r} must be dotted lowercase, e.g. 'image.correct'")
        self.fn = fn
        self.name = name
        self.version = version
        self.description = inspect.getdoc(fn) or ""
        hints = typing.get_type_hints(fn)
        self.inputs: tuple[str, ...] = ()
        self.params_model: type[BaseModel] = NoParams
        self._params_arg: str | None = None
        for param in inspect.signature(fn).parameters.values():
            hint = hints.get(param.name)
            if hint is Artifact:
                self.inputs = (*self.inputs, param.name)
            elif inspect.isclass(hint) and issubclass(hint, BaseModel) and not self._params_arg:
                self.params_model = hint
                self._params_arg = param.name
            else:
                raise TypeError(
                    f"flow {name!r} argument {param.name!r} must be an Artifact (an input) or "
                    "a pydantic model (the parameters)"
                )

    def __repr__(self) -> str:
        return f"<flow {self.name} v{self.version}>"

    def params_schema(self) -> dict[str, Any]:
        return self.params_model.model_json_schema()

    def validate_params(self, params: BaseModel | dict[str, Any] | None) -> BaseModel:
        """The parameters as the flow's model, or a ParameterError naming each bad field."""
        if isinstance(params, self.params_model):
            return params
        raw = params.model_dump() if isinstance(params, BaseModel) else dict(params or {})
        try:
            return self.params_model.model_validate(raw)
        except ValidationError as exc:
            text, details = format_validation_error(exc)
            raise ParameterError(
                f"invalid parameters for flow '{self.name}': {text}", details
            ) from None

    def trace(self, params: BaseModel | dict[str, Any] | None = None) -> Dag:
        """Run the body with symbolic inputs and return the static DAG for these parameters."""
        model = self.validate_params(params)
        with tracing(self.name) as trace:
            kwargs: dict[str, Any] = {
                name: Ref(trace, Input(kind="input", name=name)) for name in self.inputs
            }
            if self._params_arg:
                kwargs[self._params_arg] = model
            result = self.fn(**kwargs)
        return Dag(
            flow=self.name,
            version=self.version,
            inputs=self.inputs,
            nodes=tuple(trace.nodes),
            outputs=self._outputs(result),
        )

    def _outputs(self, result: Any) -> dict[str, Input]:
        if result is None:
            return {}
        if isinstance(result, Ref):
            return {"result": result.input}
        if isinstance(result, dict) and all(isinstance(v, Ref) for v in result.values()):
            return {str(name): ref.input for name, ref in result.items()}
        raise TracingError(
            f"flow '{self.name}' must return a step's output, a dict of them, or None; "
            f"it returned {type(result).__name__}"
        )


def flow(
    name: str, version: int = 1, *, registry: Catalogue | None = None
) -> Callable[[Callable[..., Any]], Flow]:
    """Declare a flow under ``name`` and ``version`` and add it to the catalogue."""

    def decorate(fn: Callable[..., Any]) -> Flow:
        declared = Flow(fn, name, version)
        (registry or catalogue).add_flow(declared)
        return declared

    return decorate
