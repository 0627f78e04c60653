"""What a worker process remembers of the runs it changed, so a transaction loads less.

``DagCache``: a run's DAG never changes once created, so a process parses it once instead of
on every transaction of every step.

``CommittedSteps``: after a thread commits a change to a run, it keeps the run's step rows as
committed. The next transaction on that run locks the
run row as always and compares its ``event_seq`` with the one kept: every change of a step's
state, attempt, output or error adds an event in the same transaction, so an equal ``event_seq``
means no other transaction changed those fields, and the kept rows are used instead of
reading them all again. Fields that change without an event (``heartbeat_at``,
``published_at``) are stale in the kept rows; whoever reads them refreshes them first. A
kept entry is taken out while a transaction uses it and put back only by its commit, so a
rolled-back change is never remembered. Entries belong to the thread (Django's connections
are per thread) and a new connection of that thread forgets them, so commits a database crash
lost cannot be mistaken for the current state.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.db.backends.signals import connection_created

from remedia.executor.plan import StepKey
from remedia.executor.records import StepRecord
from remedia.flows import Dag

from .models import FlowRun, StepRun


class DagCache:
    """Parsed DAGs by run id, least recently used dropped first."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._dags: OrderedDict[str, Dag] = OrderedDict()

    def get(self, run_id: str) -> Dag | None:
        dag = self._dags.get(run_id)
        if dag is not None:
            self._dags.move_to_end(run_id)
        return dag

    def put(self, run_id: str, dag: Dag) -> None:
        self._dags[run_id] = dag
        while len(self._dags) > self.size:
            self._dags.popitem(last=False)


@dataclass
class Committed:
    """A run's rows and step records as this process last committed (or read) them."""

    step_rows: dict[StepKey, StepRun]
    steps: dict[StepKey, StepRecord]
    row: FlowRun

    @property
    def event_seq(self) -> int:
        return self.row.event_seq


class CommittedSteps(threading.local):
    """The step rows of the runs this thread changed last, by run id."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.runs: OrderedDict[str, Committed] = OrderedDict()

    def take(self, run_id: str, event_seq: int) -> Committed | None:
        """The kept rows if the run is still as this thread committed it; forgotten either
        way, until a commit puts them back."""
        kept = self.runs.pop(run_id, None)
        return kept if kept is not None and kept.event_seq == event_seq else None

    def take_unchecked(self, run_id: str) -> Committed | None:
        """The kept rows, forgotten until a commit puts them back, for a transaction that
        checks ``event_seq`` itself when it writes (``persist.load_kept_run``)."""
        return self.runs.pop(run_id, None)

    def put(self, run_id: str, kept: Committed) -> None:
        self.runs[run_id] = kept
        while len(self.runs) > self.size:
            self.runs.popitem(last=False)

    def clear(self, **_: Any) -> None:
        self.runs.clear()


dag_cache = DagCache()
committed_steps = CommittedSteps()
connection_created.connect(committed_steps.clear, weak=False)
