"""``remedia flows``: every registered flow with its parameters and the steps it runs."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from remedia.flows import Flow, catalogue


def describe_flow(flow: Flow) -> dict[str, Any]:
    """The flow as data: parameters (JSON schema) and the steps of its default DAG."""
    dag = flow.trace()
    return {
        "name": flow.name,
        "version": flow.version,
        "description": flow.description,
        "inputs": list(flow.inputs),
        "parameters": flow.params_schema(),
        "steps": [node.key for node in dag.nodes],
    }


def _parameter_rows(schema: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type") or " | ".join(
            str(p.get("type", p.get("enum", ""))) for p in prop.get("anyOf", [])
        )
        if "enum" in prop:
            kind = " | ".join(str(v) for v in prop["enum"])
        bounds = [
            f"{label} {prop[key]}"
            for key, label in (("minimum", ">="), ("maximum", "<="))
            if key in prop
        ]
        if bounds:
            kind = f"{kind} ({', '.join(bounds)})"
        rows.append((name, kind, json.dumps(prop.get("default")), prop.get("description", "")))
    return rows


def flows_command(as_json: bool) -> int:
    flows = catalogue.flows()
    if as_json:
        print(json.dumps([describe_flow(f) for f in flows], indent=2))
        return 0
    console = Console()
    if not flows:
        console.print("no flows are registered")
        return 0
    for flow in flows:
        info = describe_flow(flow)
        console.print(f"[bold]{flow.name}[/] v{flow.version}  [dim]{flow.description}[/]")
        console.print("  steps: " + " → ".join(info["steps"]))
        table = Table("parameter", "type", "default", "description", box=None, padding=(0, 2))
        for row in _parameter_rows(info["parameters"]):
            table.add_row(*row)
        console.print(table)
    return 0
