"""``@step``: a unit of work in a flow, with the options the executor honours.

A step function takes a StepContext first, then its arguments. Inside a flow body a call does
not run the function: it records a node in the flow's DAG and returns a Ref to its output.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Callable
from typing import Any, get_args, get_origin

from pydantic import TypeAdapter, ValidationError

from .artifact import Artifact, encode_value
from .catalogue import Catalogue, catalogue
from .dag import Input, Node
from .errors import TracingError
from .options import StepOptions
from .tracing import Ref, Trace, current_trace


def _can_be_artifact(annotation: Any) -> bool:
    """True if a value of this type may be a single Artifact (not a list or dict of them)."""
    if annotation in (Artifact, Any, object):
        return True
    if get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_can_be_artifact(arg) for arg in get_args(annotation))
    return False


def _is_list(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (list, tuple):
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(a) for a in get_args(annotation))
    return annotation in (list, tuple, Any, object, inspect.Parameter.empty)


class Step:
    """A registered step: its function, options and identity."""

    def __init__(self, fn: Callable[..., Any], name: str, options: StepOptions) -> None:
        self.fn = fn
        self.name = name
        self.label = fn.__name__
        self.options = options
        self.description = inspect.getdoc(fn) or ""
        signature = inspect.signature(fn)
        params = list(signature.parameters.values())
        if not params:
            raise TypeError(f"step {name!r} must take a StepContext as its first argument")
        self.signature = signature.replace(parameters=params[1:])
        hints = typing.get_type_hints(fn)
        self.annotations: dict[str, Any] = {
            p.name: hints.get(p.name, inspect.Parameter.empty) for p in params[1:]
        }
        self.returns: Any = hints.get("return", inspect.Parameter.empty)
        self._adapters: dict[str, TypeAdapter[Any]] = {}
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"<step {self.name} v{self.options.version}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Ref:
        trace = self._require_trace()
        inputs = self._bind(trace, args, kwargs)
        node = Node(key=trace.new_key(self.label), step=self.name, label=self.label, inputs=inputs)
        trace.add(node, self)
        return Ref(trace, Input(kind="ref", node=node.key))

    def map(self, items: Ref, *args: Any, **kwargs: Any) -> Ref:
        """Run this step once per item of ``items`` (fan-out); the result is the list of outputs.

        ``items`` goes to the step's first argument; other arguments are shared by every branch.
        Pass the result to another step to fan back in: it waits for every branch.
        """
        trace = self._require_trace()
        if not isinstance(items, Ref):
            raise TracingError(
                f"{self.label}.map() needs the output of a step to fan out over, got "
                f"{type(items).__name__}; call the step in a Python loop for a list known now"
            )
        first = next(iter(self.signature.parameters), None)
        if first is None:
            raise TracingError(f"{self.label}.map() needs a step that takes an argument")
        produced = inspect.Parameter.empty if items.input.path else self._produced(trace, items)
        if not items.is_map and not _is_list(produced):
            raise TracingError(
                f"{self.label}.map() fans out over a list, but {trace.describe(items)} is "
                f"{produced!r}; map over a step that returns a list"
            )
        placeholder = Ref(trace, Input(kind="item"))
        inputs = self._bind(trace, (placeholder, *args), kwargs, mapped=first)
        node = Node(
            key=trace.new_key(self.label),
            step=self.name,
            label=self.label,
            inputs=inputs,
            map_over=items.input,
            map_param=first,
        )
        trace.add(node, self)
        return Ref(trace, Input(kind="ref", node=node.key))

    def _require_trace(self) -> Trace:
        trace = current_trace()
        if trace is None:
            raise TracingError(
                f"step '{self.label}' was called outside a flow. Steps are called inside an "
                f"@flow body; to run the function directly call {self.label}.fn(ctx, ...)"
            )
        return trace

    def _bind(
        self, trace: Trace, args: tuple[Any, ...], kwargs: dict[str, Any], mapped: str = ""
    ) -> dict[str, Input]:
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TracingError(
                f"flow '{trace.flow}' calls step '{self.label}' with wrong arguments: {exc}. "
                f"Its signature is {self.label}{self.signature}"
            ) from None
        bound.apply_defaults()
        return {
            name: self._input_for(trace, name, value, mapped == name)
            for name, value in bound.arguments.items()
        }

    def _input_for(self, trace: Trace, name: str, value: Any, is_item: bool) -> Input:
        annotation = self.annotations.get(name, inspect.Parameter.empty)
        if is_item:
            return Input(kind="item")
        if isinstance(value, Ref):
            self._check_ref(trace, name, value, annotation)
            return value.input
        if isinstance(value, Artifact):
            raise TracingError(
                f"flow '{trace.flow}' passes a fixed Artifact to step '{self.label}' argument "
                f"'{name}'; artifacts enter a flow as its inputs"
            )
        return Input(kind="const", value=self._check_const(trace, name, value, annotation))

    def _check_ref(self, trace: Trace, name: str, ref: Ref, annotation: Any) -> None:
        if annotation is inspect.Parameter.empty:
            return
        where = f"step '{self.label}' argument '{name}'"
        if ref.is_map and not _is_list(annotation):
            raise TracingError(
                f"flow '{trace.flow}' passes the outputs of map step '{trace.describe(ref)}' "
                f"(a list, one per branch) to {where}, which expects {annotation!r}"
            )
        if ref.input.path or ref.is_map:
            return
        produced = self._produced(trace, ref)
        if produced is inspect.Parameter.empty:
            return
        if annotation is Artifact and not _can_be_artifact(produced):
            raise TracingError(
                f"flow '{trace.flow}' passes {trace.describe(ref)} ({produced!r}) to {where}, "
                "which expects an Artifact"
            )
        if produced is Artifact and not _can_be_artifact(annotation):
            raise TracingError(
                f"flow '{trace.flow}' passes {trace.describe(ref)} (an Artifact) to {where}, "
                f"which expects {annotation!r}"
            )

    @staticmethod
    def _produced(trace: Trace, ref: Ref) -> Any:
        """The declared type of the whole value ``ref`` names (empty if unknown)."""
        if ref.input.kind == "input":
            return Artifact
        return trace.step_of(ref.input.node or "").returns

    def _check_const(self, trace: Trace, name: str, value: Any, annotation: Any) -> Any:
        if annotation is not inspect.Parameter.empty:
            adapter = self._adapters.get(name)
            if adapter is None:
                adapter = self._adapters[name] = TypeAdapter(annotation)
            try:
                value = adapter.validate_python(value)
            except ValidationError as exc:
                problem = exc.errors()[0]["msg"]
                raise TracingError(
                    f"flow '{trace.flow}' calls step '{self.label}' with {name}={value!r}: "
                    f"{problem}"
                ) from None
        try:
            return encode_value(value)
        except TypeError as exc:
            raise TracingError(
                f"flow '{trace.flow}' passes {name}={value!r} to step '{self.label}': {exc}"
            ) from None


def step(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    retries: int = 0,
    retry_backoff: float = 1.0,
    retry_jitter: float = 0.2,
    timeout: str | float | None = None,
    queue: str = "default",
    cache: bool = False,
    version: int = 1,
    registry: Catalogue | None = None,
) -> Any:
    """Declare a step. Usable bare (``@step``) or with options (``@step(retries=2)``).

    The step is added to ``registry`` (the global catalogue by default), where executors look
    it up by the name recorded in a DAG node.
    """
    options = StepOptions(
        retries=retries,
        retry_backoff=retry_backoff,
        retry_jitter=retry_jitter,
        timeout=timeout,
        queue=queue,
        cache=cache,
        version=version,
    )

    def decorate(func: Callable[..., Any]) -> Step:
        step_name = name or f"{func.__module__}.{func.__qualname__}"
        declared = Step(func, step_name, options)
        (registry or catalogue).add_step(declared)
        return declared

    return decorate(fn) if fn is not None else decorate
