"""The DAG as the API shows it: nodes with their queue and upstream keys, and the edges.

The UI draws a run's planned steps from this, before the first one starts, so the shape is
the same whether it comes from a flow's plan or from a submitted run.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema

from remedia.flows import Catalogue, Dag, UnknownFlow


class DagNode(Schema):
    """One step call: ``key`` names it in the run, ``step`` is the step it calls."""

    key: str
    step: str
    label: str
    queue: str
    is_map: bool
    upstream: list[str]


class DagEdge(Schema):
    """An artifact passed from ``source`` to ``target`` (node keys)."""

    source: str
    target: str


class DagOut(Schema):
    """The static graph of a flow for given parameters, in the order the flow calls steps."""

    flow: str
    version: int
    inputs: list[str]
    outputs: list[str]
    nodes: list[DagNode]
    edges: list[DagEdge]


def _queue(catalogue: Catalogue, step: str) -> str:
    try:
        return catalogue.step(step).options.queue
    except UnknownFlow:
        return "default"


def dag_body(dag: Dag, catalogue: Catalogue) -> dict[str, Any]:
    """The DAG as ``DagOut`` serialises it (same keys, same order), without building models:
    a run's page shows it on every read, and it never changes."""
    return {
        "flow": dag.flow,
        "version": dag.version,
        "inputs": list(dag.inputs),
        "outputs": list(dag.outputs),
        "nodes": [
            {
                "key": node.key,
                "step": node.step,
                "label": node.label,
                "queue": _queue(catalogue, node.step),
                "is_map": node.is_map,
                "upstream": list(node.upstream),
            }
            for node in dag.nodes
        ],
        "edges": [{"source": source, "target": target} for source, target in dag.edges],
    }


def dag_out(dag: Dag, catalogue: Catalogue) -> DagOut:
    return DagOut.model_validate(dag_body(dag, catalogue))
