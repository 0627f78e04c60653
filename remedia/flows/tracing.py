"""Tracing: running a flow body with symbolic values to record its DAG.

While a flow is traced, each step call records a node and returns a ``Ref``. A Ref can be
passed to other steps (an edge) or indexed (a part of a step's output), but anything that would
need its value now (``if``, ``for``, ``len``, arithmetic, formatting) is a TracingError: the
value does not exist until the run executes, and the flow's shape must be known before that.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from .dag import Input, Node
from .errors import TracingError

if TYPE_CHECKING:
    from .step import Step

_current: contextvars.ContextVar[Trace | None] = contextvars.ContextVar("trace", default=None)


@dataclass
class Trace:
    """The nodes recorded so far while tracing one flow."""

    flow: str
    nodes: list[Node] = field(default_factory=list)
    steps: dict[str, Step] = field(default_factory=dict)
    _label_counts: dict[str, int] = field(default_factory=dict)

    def new_key(self, label: str) -> str:
        count = self._label_counts.get(label, 0) + 1
        self._label_counts[label] = count
        return label if count == 1 else f"{label}-{count}"

    def add(self, node: Node, step: Step) -> None:
        self.nodes.append(node)
        self.steps[node.key] = step

    def step_of(self, node_key: str) -> Step:
        return self.steps[node_key]

    def describe(self, ref: Ref) -> str:
        source = ref.input
        if source.kind == "input":
            return f"the flow input '{source.name}'"
        label = self.step_of(source.node).label if source.node else "?"
        return f"the output of step '{label}'"


def current_trace() -> Trace | None:
    return _current.get()


@contextmanager
def tracing(flow_name: str) -> Iterator[Trace]:
    trace = Trace(flow=flow_name)
    token = _current.set(trace)
    try:
        yield trace
    finally:
        _current.reset(token)


class Ref:
    """A value that will exist when the run executes: a flow input or a step's output."""

    __slots__ = ("_input", "_trace")

    def __init__(self, trace: Trace, source: Input) -> None:
        self._trace = trace
        self._input = source

    @property
    def input(self) -> Input:
        return self._input

    @property
    def is_map(self) -> bool:
        """True when this is the whole output of a map node: a list with one item per branch."""
        if self._input.kind != "ref" or self._input.path or self._input.node is None:
            return False
        return any(n.key == self._input.node and n.is_map for n in self._trace.nodes)

    def __getitem__(self, part: str | int) -> Ref:
        if not isinstance(part, str | int) or isinstance(part, bool):
            self._refuse(f"index it with {type(part).__name__}")
        source = self._input
        extended = Input(
            kind=source.kind, name=source.name, node=source.node, path=(*source.path, part)
        )
        return Ref(self._trace, extended)

    def __repr__(self) -> str:
        return f"<Ref to {self._trace.describe(self)}>"

    def _refuse(self, what: str) -> NoReturn:
        raise TracingError(
            f"flow '{self._trace.flow}' tried to {what} on {self._trace.describe(self)}, "
            "which has no value until the run executes. A flow's steps must be known before "
            "it runs: branch on parameters instead, or make the decision inside a step."
        )

    def __bool__(self) -> bool:
        self._refuse("branch (if/while/and/or)")

    def __iter__(self) -> Iterator[Any]:
        self._refuse("iterate (use step.map(...) to fan out over a list)")

    def __len__(self) -> int:
        self._refuse("take len()")

    def __contains__(self, item: object) -> bool:
        self._refuse("test membership (in)")

    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        self._refuse("compare (==)")

    def __ne__(self, other: object) -> bool:  # type: ignore[override]
        self._refuse("compare (!=)")

    def __lt__(self, other: object) -> bool:
        self._refuse("compare (<)")

    def __le__(self, other: object) -> bool:
        self._refuse("compare (<=)")

    def __gt__(self, other: object) -> bool:
        self._refuse("compare (>)")

    def __ge__(self, other: object) -> bool:
        self._refuse("compare (>=)")

    def __int__(self) -> int:
        self._refuse("convert to int")

    def __float__(self) -> float:
        self._refuse("convert to float")

    def __index__(self) -> int:
        self._refuse("use as an index")

    def __format__(self, spec: str) -> str:
        self._refuse("format into a string")

    def _arithmetic(self, other: object) -> NoReturn:
        self._refuse("do arithmetic")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _arithmetic
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _arithmetic
    __mod__ = __rmod__ = __pow__ = __rpow__ = __matmul__ = __rmatmul__ = _arithmetic

    def __neg__(self) -> NoReturn:
        self._refuse("do arithmetic")

    __pos__ = __abs__ = __invert__ = __round__ = __neg__

    __hash__ = object.__hash__
