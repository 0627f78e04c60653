"""The static graph a flow traces into: nodes are step calls, edges are the values they pass.

A Dag is plain data: it serialises to JSON for the database, the API and the UI, and it is all
an executor needs besides the step functions themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

InputKind = Literal["const", "input", "ref", "item"]


@dataclass(frozen=True)
class Input:
    """Where one argument of a step call comes from.

    - ``const``: a JSON value written in the flow body or taken from the parameters;
    - ``input``: a flow input artifact, by name;
    - ``ref``: the output of another node, optionally a part of it (``path``); a ref to a map
      node is the list of all its branch outputs, which is how a consumer fans in;
    - ``item``: in a map node only, one element of the list being mapped over.
    """

    kind: InputKind
    value: Any = None
    name: str | None = None
    node: str | None = None
    path: tuple[str | int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        if self.kind == "const":
            data["value"] = self.value
        if self.name is not None:
            data["name"] = self.name
        if self.node is not None:
            data["node"] = self.node
        if self.path:
            data["path"] = list(self.path)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Input:
        return cls(
            kind=data["kind"],
            value=data.get("value"),
            name=data.get("name"),
            node=data.get("node"),
            path=tuple(data.get("path", ())),
        )


@dataclass(frozen=True)
class Node:
    """One step call in a flow. A map node (``map_over`` set) runs once per item of a list."""

    key: str
    step: str
    label: str
    inputs: dict[str, Input]
    map_over: Input | None = None
    map_param: str | None = None

    @property
    def is_map(self) -> bool:
        return self.map_over is not None

    @property
    def upstream(self) -> tuple[str, ...]:
        """Keys of the nodes this node waits for, in argument order, without repeats."""
        sources = [i.node for i in self.inputs.values() if i.kind == "ref"]
        if self.map_over is not None and self.map_over.kind == "ref":
            sources.insert(0, self.map_over.node)
        return tuple(dict.fromkeys(s for s in sources if s is not None))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "step": self.step,
            "label": self.label,
            "inputs": {name: value.to_json() for name, value in self.inputs.items()},
            "upstream": list(self.upstream),
        }
        if self.map_over is not None:
            data["map_over"] = self.map_over.to_json()
            data["map_param"] = self.map_param
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Node:
        return cls(
            key=data["key"],
            step=data["step"],
            label=data["label"],
            inputs={k: Input.from_json(v) for k, v in data["inputs"].items()},
            map_over=Input.from_json(data["map_over"]) if data.get("map_over") else None,
            map_param=data.get("map_param"),
        )


@dataclass(frozen=True)
class Dag:
    """Nodes in a topological order (the order the flow body called them) and the outputs."""

    flow: str
    version: int
    inputs: tuple[str, ...]
    nodes: tuple[Node, ...]
    outputs: dict[str, Input] = field(default_factory=dict)

    def node(self, key: str) -> Node:
        for node in self.nodes:
            if node.key == key:
                return node
        raise KeyError(f"no node {key!r} in the DAG of {self.flow}")

    @property
    def edges(self) -> list[tuple[str, str]]:
        return [(source, node.key) for node in self.nodes for source in node.upstream]

    def downstream(self, key: str) -> list[str]:
        return [node.key for node in self.nodes if key in node.upstream]

    def to_json(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "version": self.version,
            "inputs": list(self.inputs),
            "nodes": [node.to_json() for node in self.nodes],
            "edges": [list(edge) for edge in self.edges],
            "outputs": {name: value.to_json() for name, value in self.outputs.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Dag:
        return cls(
            flow=data["flow"],
            version=data["version"],
            inputs=tuple(data["inputs"]),
            nodes=tuple(Node.from_json(n) for n in data["nodes"]),
            outputs={k: Input.from_json(v) for k, v in data["outputs"].items()},
        )
