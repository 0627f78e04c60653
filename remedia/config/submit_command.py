"""``remedia submit FLOW INPUT...``: enqueue a run per input for the workers, and optionally
watch them: one run's steps, or a progress bar over many runs."""

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


def follow_many(run_ids: list[str], console: Console) -> dict[str, RunState]:
    """One progress bar over many runs, until every one has ended; their final states."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from remedia.executor.store.models import FlowRun

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task("runs ended", total=len(run_ids))
        while True:
            states = {
                run_id: RunState(state)
                for run_id, state in FlowRun.objects.filter(id__in=run_ids).values_list(
                    "id", "state"
                )
            }
            ended = [state for state in states.values() if state in RUN_TERMINAL]
            failed = sum(state != RunState.COMPLETED for state in ended)
            label = f"runs ended ({failed} not completed)" if failed else "runs ended"
            progress.update(bar, completed=len(ended), description=label)
            if len(ended) == len(run_ids):
                return states
            time.sleep(FOLLOW_POLL_MS / 1000)


def submit_command(
    flow: Flow, sources: list[Path], params: dict[str, Any], *, watch: bool, as_json: bool
) -> int:
    """One run per input file, all submitted in one transaction."""
    setup_django()
    from remedia.executor.distributed.runtime import build_runtime
    from remedia.executor.store.service import NewRun

    service = build_runtime(remedia_app()).service
    requests = []
    for source in sources:
        artifact = ingest_file(service.storage, source)
        inputs = {flow.inputs[0]: artifact} if flow.inputs else {}
        requests.append(NewRun(flow, inputs, params))
    run_ids = service.submit_many(requests)
    console = Console(stderr=True)
    if len(run_ids) == 1:
        return _report_one(run_ids[0], flow, params, watch=watch, as_json=as_json, console=console)
    return _report_many(run_ids, sources, watch=watch, as_json=as_json, console=console)


def _report_one(
    run_id: str,
    flow: Flow,
    params: dict[str, Any],
    *,
    watch: bool,
    as_json: bool,
    console: Console,
) -> int:
    from remedia.executor.store.models import FlowRun

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


def _report_many(
    run_ids: list[str], sources: list[Path], *, watch: bool, as_json: bool, console: Console
) -> int:
    from remedia.executor.store.models import FlowRun

    if not watch:
        pairs = list(zip(run_ids, sources, strict=True))
        if as_json:
            print(json.dumps({"runs": [{"run_id": r, "input": str(s)} for r, s in pairs]}))
        else:
            sys.stdout.write("".join(f"{run_id} {source}\n" for run_id, source in pairs))
        return 0
    states = follow_many(run_ids, console)
    errors = dict(FlowRun.objects.filter(id__in=run_ids).values_list("id", "error"))
    runs = [
        {"run_id": r, "input": str(s), "state": states[r].value, "error": errors.get(r)}
        for r, s in zip(run_ids, sources, strict=True)
    ]
    if as_json:
        print(json.dumps({"runs": runs}))
    else:
        for run in runs:
            sys.stdout.write(f"{run['run_id']} {run['state']} {run['input']}\n")
            if run["error"]:
                console.print(f"[red]remedia: {run['input']}: {run['error']}[/]", highlight=False)
    return 0 if all(state == RunState.COMPLETED for state in states.values()) else 1
