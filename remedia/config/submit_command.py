"""``remedia submit FLOW INPUT``: enqueue a run for the workers, and optionally watch it."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from remedia.executor import RunEvent, RunState
from remedia.executor.inputs import ingest_file
from remedia.executor.live import LiveReader, LiveSettings
from remedia.executor.states import RUN_TERMINAL
from remedia.flows import Dag, Flow

from .django_setup import setup_django
from .step_display import StepDisplay
from .worker_command import remedia_app

FOLLOW_POLL_MS = 500


def _run_event(run_id: str, data: dict[str, Any]) -> RunEvent:
    return RunEvent(
        run_id=run_id,
        kind=data.get("kind", "step"),
        state=data.get("state"),
        node=data.get("node"),
        map_index=data.get("map_index"),
        attempt=data.get("attempt"),
        fraction=data.get("fraction"),
        message=data.get("message") or data.get("error"),
    )


def follow(run_id: str, dag: Dag, console: Console) -> RunState:
    """Show the run's steps live from the event stream until the run ends."""
    from remedia.executor.store.models import FlowRun

    reader = LiveReader.from_settings(LiveSettings(), block_ms=FOLLOW_POLL_MS * 2)
    last = "0"
    with StepDisplay(dag, console=console) as display:
        while True:
            try:
                events = reader.events(run_id, after=last, block_ms=FOLLOW_POLL_MS)
            except Exception:
                events = []
                time.sleep(FOLLOW_POLL_MS / 1000)
            for event in events:
                last = event.id
                display.on_event(_run_event(run_id, event.data))
            state = RunState(FlowRun.objects.values_list("state", flat=True).get(id=run_id))
            if state in RUN_TERMINAL and not events:
                return state


def submit_command(
    flow: Flow, source: Path, params: dict[str, Any], *, watch: bool, as_json: bool
) -> int:
    setup_django()
    from remedia.executor.distributed.runtime import build_runtime
    from remedia.executor.store.models import FlowRun

    runtime = build_runtime(remedia_app())
    artifact = ingest_file(runtime.service.storage, source)
    inputs = {flow.inputs[0]: artifact} if flow.inputs else {}
    run_id = runtime.service.submit(flow, inputs, params)
    console = Console(stderr=True)
    if not watch:
        print(json.dumps({"run_id": run_id}) if as_json else run_id)
        return 0
    state = follow(run_id, flow.trace(params), console)
    row = FlowRun.objects.get(id=run_id)
    if as_json:
        print(json.dumps({"run_id": run_id, "state": state.value, "error": row.error}))
    else:
        sys.stdout.write(f"{run_id} {state.value}\n")
        if row.error:
            console.print(f"[red]remedia: {row.error}[/]", highlight=False)
    return 0 if state == RunState.COMPLETED else 1
