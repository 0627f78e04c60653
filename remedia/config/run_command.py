"""``remedia run FLOW INPUT -o OUTPUT``: one correction, in this process, with live progress.

The run uses the local executor and the configured storage (``.remedia/storage`` by default),
so a second identical run reuses every cached step. Ctrl-C asks the run to cancel: running
steps stop at their next progress report and leave no half-written output.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from remedia.executor import RUN_TERMINAL, LocalExecutor, RunRecord, RunState, StepState
from remedia.executor.inputs import ingest_file
from remedia.flows import Artifact, Flow, decode_value
from remedia.storage import Storage
from remedia.storage.settings import StorageSettings

from .step_display import StepDisplay

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 130
POLL_SECONDS = 0.05
JOIN_SECONDS = 30.0


class UsageError(Exception):
    """The command line asks for something that cannot work; the message says what to fix."""


@dataclass(frozen=True)
class RunRequest:
    flow: Flow
    source: Path
    output: Path | None
    params: dict[str, Any]
    as_json: bool


def infer_format(flow: Flow, params: dict[str, Any], output: Path | None) -> dict[str, Any]:
    """Take the output format from ``-o``'s suffix when the flow has a ``format`` parameter.

    ``-o out.png`` then means ``--param format=png``; a suffix that contradicts an explicit
    format is an error rather than a PNG with a .jpg name.
    """
    field = flow.params_model.model_fields.get("format")
    if field is None or output is None or not output.suffix:
        return params
    schema = flow.params_schema().get("properties", {}).get("format", {})
    choices = schema.get("enum") or [v for s in schema.get("anyOf", []) for v in s.get("enum", [])]
    aliases = {"jpg": "jpeg", "tif": "tiff"}
    wanted = output.suffix.lower().lstrip(".")
    wanted = wanted if wanted in choices else aliases.get(wanted, wanted)
    if wanted not in choices:
        return params
    given = params.get("format")
    if given is not None and aliases.get(str(given), given) != wanted:
        raise UsageError(
            f"the output name {output.name!r} says {wanted} but --param format={given}; "
            "drop one of them"
        )
    return {**params, "format": wanted}


def output_paths(source: Path, output: Path | None, outputs: dict[str, Any]) -> dict[str, Path]:
    """Where each flow output goes: the first at ``-o``, the others beside it.

    ``-o out.jpg`` with outputs image and preview gives ``out.jpg`` and ``out.preview.jpg``;
    ``-o folder/`` names them after the input.
    """
    artifacts = {name: v for name, v in outputs.items() if isinstance(v, Artifact)}
    if output is None:
        output = source.with_name(f"{source.stem}.corrected")
        base_dir, stem, first_path = output.parent, output.name, None
    elif output.is_dir() or str(output).endswith(("/", "\\")):
        base_dir, stem, first_path = output, f"{source.stem}.corrected", None
    else:
        base_dir, stem, first_path = output.parent, output.stem, output
    paths: dict[str, Path] = {}
    for index, (name, artifact) in enumerate(artifacts.items()):
        if index == 0:
            paths[name] = first_path or base_dir / f"{stem}{artifact.suffix}"
        else:
            paths[name] = base_dir / f"{stem}.{name}{artifact.suffix}"
    return paths


def execute(request: RunRequest, storage: Storage, console: Console) -> tuple[RunRecord, float]:
    """Run the flow to its end (or to a cancel on Ctrl-C) and return the record and seconds."""
    executor = LocalExecutor(storage)
    source = ingest_file(storage, request.source)
    inputs = {request.flow.inputs[0]: source} if request.flow.inputs else {}
    started = time.monotonic()
    dag = request.flow.trace(request.params)
    display = StepDisplay(dag, console=console) if not request.as_json else None
    listener = display.on_event if display is not None else None
    handle = executor.submit(request.flow, inputs, request.params, listener=listener)
    try:
        if display is not None:
            with display:
                record = _wait(handle, console)
        else:
            record = _wait(handle, console)
    finally:
        if handle.record.state not in (RunState.COMPLETED, RunState.FAILED):
            handle.cancel()
    return record, time.monotonic() - started


def _until_ended(handle: Any) -> RunRecord:
    """Poll rather than join: a join interrupted by Ctrl-C can leave the thread looking dead."""
    while handle.record.state not in RUN_TERMINAL:
        time.sleep(POLL_SECONDS)
    return handle.wait(JOIN_SECONDS)


def _wait(handle: Any, console: Console) -> RunRecord:
    try:
        return _until_ended(handle)
    except KeyboardInterrupt:
        console.print("[yellow]cancelling: waiting for running steps to stop…[/]")
        handle.cancel()
        while True:
            try:
                return _until_ended(handle)
            except KeyboardInterrupt:
                console.print("[yellow]still stopping; the steps are being ended[/]")


def copy_outputs(record: RunRecord, storage: Storage, paths: dict[str, Path]) -> None:
    outputs = decode_value(record.outputs)
    for name, path in paths.items():
        artifact: Artifact = outputs[name]
        path.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(artifact.key) as src, path.open("wb") as dst:
            shutil.copyfileobj(src, dst)


def failure_reason(record: RunRecord) -> str:
    """One line: which step failed and why, without a traceback."""
    for step in record.steps.values():
        if step.state == StepState.FAILED and step.map_index is None:
            where = f"step '{step.node}'"
            code = f" ({step.error_code})" if step.error_code else ""
            return f"{where} failed: {step.error}{code}"
    for step in record.steps.values():
        if step.state == StepState.FAILED:
            return f"step '{step.label}' failed: {step.error}"
    return record.error or f"the run ended {record.state}"


def summary_json(record: RunRecord, paths: dict[str, Path], seconds: float) -> dict[str, Any]:
    return {
        "run_id": record.run_id,
        "flow": record.dag.flow,
        "version": record.dag.version,
        "state": record.state.value,
        "seconds": round(seconds, 3),
        "outputs": {name: str(path) for name, path in paths.items()},
        "error": None if record.state == RunState.COMPLETED else failure_reason(record),
        "steps": [
            {
                "step": step.label,
                "state": step.state.value,
                "attempt": step.attempt,
                "seconds": (
                    round(step.finished_at - step.started_at, 3)
                    if step.started_at and step.finished_at
                    else None
                ),
                "error": step.error,
                "error_code": step.error_code,
            }
            for step in record.steps.values()
        ],
    }


def run_command(request: RunRequest) -> int:
    """Run, copy the outputs into place, report; returns the process exit code."""
    console = Console(stderr=True)
    storage = StorageSettings().open()
    record, seconds = execute(request, storage, console)
    paths: dict[str, Path] = {}
    if record.state == RunState.COMPLETED:
        paths = output_paths(request.source, request.output, decode_value(record.outputs))
        copy_outputs(record, storage, paths)
    if request.as_json:
        print(json.dumps(summary_json(record, paths, seconds), indent=2))
    elif record.state == RunState.COMPLETED:
        cached = sum(1 for s in record.steps.values() if s.state == StepState.CACHED)
        note = f", {cached} step(s) from cache" if cached else ""
        console.print(f"[green]completed[/] in {seconds:.2f}s{note}")
        for name, path in paths.items():
            sys.stdout.write(f"{name}: {path}\n")
    elif record.state == RunState.CANCELLED:
        console.print("[yellow]cancelled[/]: no output was written")
    else:
        sys.stderr.write(f"remedia: {failure_reason(record)}\n")
    if record.state == RunState.COMPLETED:
        return 0
    return EXIT_CANCELLED if record.state == RunState.CANCELLED else EXIT_FAILED
