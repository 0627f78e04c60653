"""The catalogue: flows by name and version, steps by name.

Decorators only add to a catalogue; nothing connects anywhere. Executors look steps up here by
the name recorded in a DAG node, so a worker needs only to import the modules that define them.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import UnknownFlow

if TYPE_CHECKING:
    from .flow import Flow
    from .step import Step

BUILTIN_FLOW_MODULES = ("remedia.flows.image",)


class Catalogue:
    """A registry of flows and steps."""

    def __init__(self) -> None:
        self._flows: dict[str, dict[int, Flow]] = {}
        self._steps: dict[str, Step] = {}

    def add_flow(self, flow: Flow) -> None:
        """Register ``flow``; a different function under the same name and version is refused."""
        versions = self._flows.setdefault(flow.name, {})
        known = versions.get(flow.version)
        if known is not None and _origin(known.fn) != _origin(flow.fn):
            raise ValueError(
                f"flow '{flow.name}' version {flow.version} is already declared by "
                f"{_origin(known.fn)}; give this one another name or a new version"
            )
        versions[flow.version] = flow

    def add_step(self, step: Step) -> None:
        """Register ``step``; a different function under the same name is refused."""
        known = self._steps.get(step.name)
        if known is not None and _origin(known.fn) != _origin(step.fn):
            raise ValueError(
                f"a step named '{step.name}' is already declared by {_origin(known.fn)}; "
                "give this one another name"
            )
        self._steps[step.name] = step

    def flow(self, name: str, version: int | None = None) -> Flow:
        """The flow ``name`` at ``version``, or its newest version."""
        versions = self._flows.get(name)
        if not versions:
            close = difflib.get_close_matches(name, list(self._flows), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            known = ", ".join(sorted(self._flows)) or "none"
            raise UnknownFlow(f"no flow named '{name}'{hint} (known flows: {known})")
        if version is None:
            return versions[max(versions)]
        if version not in versions:
            have = ", ".join(str(v) for v in sorted(versions))
            raise UnknownFlow(f"flow '{name}' has no version {version} (versions: {have})")
        return versions[version]

    def flows(self) -> list[Flow]:
        """Every version of every flow, by name then version."""
        return [self._flows[n][v] for n in sorted(self._flows) for v in sorted(self._flows[n])]

    def step(self, name: str) -> Step:
        try:
            return self._steps[name]
        except KeyError:
            raise UnknownFlow(
                f"no step named '{name}' is registered; import the module that defines it"
            ) from None


def _origin(fn: Callable[..., Any]) -> str:
    """Where a function is defined; declaring the same one again (a module reload) replaces it."""
    return f"{fn.__module__}.{fn.__qualname__}"


catalogue = Catalogue()


def load_flow_modules(modules: tuple[str, ...] | list[str] = BUILTIN_FLOW_MODULES) -> Catalogue:
    """Import the modules that define flows (built-in ones by default) and return the catalogue."""
    for module in modules:
        importlib.import_module(module)
    return catalogue
