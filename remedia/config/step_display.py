"""StepDisplay: one live progress bar per step of a run in the terminal, fed by RunEvents.

Every node of the DAG gets its row before the first step starts, so the user sees the whole
plan; a map node's row counts its branches (``7/12 branches``) instead of one row per branch.
"""

from __future__ import annotations

import threading
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from remedia.executor import RunEvent, StepState
from remedia.flows import Dag

S = StepState

#: How each step state looks in the terminal: the one table for labels and colours.
STATE_STYLE: dict[str, tuple[str, str]] = {
    S.PENDING: ("pending", "dim"),
    S.QUEUED: ("queued", "cyan"),
    S.RUNNING: ("running", "yellow"),
    S.RETRYING: ("retrying", "magenta"),
    S.COMPLETED: ("done", "green"),
    S.CACHED: ("cached", "green"),
    S.FAILED: ("failed", "bold red"),
    S.CANCELLED: ("cancelled", "red"),
    S.SKIPPED: ("skipped", "dim"),
}
_FINISHED = {S.COMPLETED, S.CACHED}


def _state_text(state: str) -> str:
    label, style = STATE_STYLE.get(state, (state.lower(), ""))
    return f"[{style}]{label:>9}[/]"


class StepDisplay:
    """A context manager showing the steps of one run; ``on_event`` is its listener."""

    def __init__(self, dag: Dag, console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("{task.fields[state]}"),
            TextColumn("{task.description:<18}"),
            BarColumn(bar_width=28),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[message]}"),
            console=console,
            transient=False,
        )
        self._lock = threading.Lock()
        self._tasks: dict[str, TaskID] = {}
        self._branches: dict[str, dict[int, str]] = {}
        for node in dag.nodes:
            self._tasks[node.key] = self._progress.add_task(
                node.key, total=1.0, start=False, state=_state_text(S.PENDING), message=""
            )

    def __enter__(self) -> StepDisplay:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.refresh()
        self._progress.stop()

    def on_event(self, event: RunEvent) -> None:
        """Apply one run event to the rows; called from the executor's thread."""
        if event.node is None or event.node not in self._tasks:
            return
        with self._lock:
            if event.map_index is not None:
                self._branch(event)
            elif event.kind == "step" and event.state is not None:
                self._step_state(event)
            elif event.kind == "progress":
                self._step_progress(event)

    def _step_state(self, event: RunEvent) -> None:
        task = self._tasks[event.node or ""]
        state = event.state or ""
        fields: dict[str, object] = {"state": _state_text(state)}
        if state == S.RUNNING:
            self._progress.start_task(task)
            if event.attempt and event.attempt > 1:
                fields["message"] = f"attempt {event.attempt}"
        if state in _FINISHED:
            self._progress.update(task, completed=1.0)
            fields["message"] = "from cache" if state == S.CACHED else ""
        elif state in (S.FAILED, S.SKIPPED, S.CANCELLED, S.RETRYING):
            fields["message"] = (event.message or "")[:80]
        self._progress.update(task, **fields)
        if state in (S.FAILED, S.SKIPPED, S.CANCELLED, *_FINISHED):
            self._progress.stop_task(task)

    def _step_progress(self, event: RunEvent) -> None:
        task = self._tasks[event.node or ""]
        updates: dict[str, object] = {"message": (event.message or "")[:60]}
        if event.fraction is not None:
            updates["completed"] = event.fraction
        self._progress.update(task, **updates)

    def _branch(self, event: RunEvent) -> None:
        if event.kind != "step" or event.state is None or event.map_index is None:
            return
        node = event.node or ""
        branches = self._branches.setdefault(node, {})
        branches[event.map_index] = event.state
        done = sum(1 for state in branches.values() if state in _FINISHED)
        total = len(branches)
        self._progress.update(
            self._tasks[node],
            completed=done / total if total else 0.0,
            message=f"{done}/{total} branches",
        )
