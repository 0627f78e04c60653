"""FixedRun: the parts of a run that never change, kept per process so a read skips the database.

A run's flow, version, owner, asset, creation time, parameters, DAG and inputs are written when
it is submitted and never again. Its outputs are written once, in the commit that completes it
(COMPLETED is final), and a step run's outputs once, in the commit that makes it COMPLETED or
CACHED (both final). So these are read from the database once per process and kept, already
in the shape the API answers with; everything that moves (the run's state, error, cancel
request and times, each step's state, attempt and progress) comes from the live snapshot on
every read, never from here.

A step's outputs are kept under its label, attempt and finish time: a step run that a retried
run replaced is a different entry, never confused with the one it replaced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from remedia.executor.live import step_label
from remedia.executor.states import STEP_DONE, RunState
from remedia.executor.store.models import FlowRun, StepRun
from remedia.flows import Catalogue, Dag

from .artifact_refs import artifact_body, decoded_artifacts, named_artifacts
from .bounded_cache import BoundedCache
from .dags import dag_body
from .models import Submission

KEPT_RUNS = 1024

Body = dict[str, Any]
StepOutputsKey = tuple[str, int, float | None]


@dataclass
class FixedRun:
    """What the API shows of a run that no commit after its creation changes."""

    id: str
    flow: str
    version: int
    owner_id: int | None
    owner: str | None
    asset_id: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    params: dict[str, Any]
    dag: Body
    order: dict[str, int]
    step_of: dict[str, str]
    inputs: dict[str, Body]
    outputs: dict[str, Body] | None = None
    step_outputs: dict[StepOutputsKey, list[Body]] = field(default_factory=dict)

    @classmethod
    def of_row(cls, run: FlowRun, catalogue: Catalogue) -> FixedRun:
        """From a row read with ``select_related("owner", "submission")``."""
        dag = Dag.from_json(run.dag)
        fixed = cls(
            id=run.id,
            flow=run.flow,
            version=run.version,
            owner_id=run.owner_id,
            owner=run.owner.get_username() if run.owner_id else None,
            asset_id=submitted_asset_id(run),
            created_at=run.created_at,
            started_at=run.started_at,
            params=run.params,
            dag=dag_body(dag, catalogue),
            order={node.key: index for index, node in enumerate(dag.nodes)},
            step_of={node.key: node.step for node in dag.nodes},
            inputs=artifact_bodies(run.id, run.inputs),
        )
        if run.state == RunState.COMPLETED:
            fixed.outputs = artifact_bodies(run.id, run.outputs)
        return fixed

    def completed_outputs(self) -> dict[str, Body]:
        """The outputs of this run, which the caller knows is COMPLETED."""
        if self.outputs is None:
            state, outputs = FlowRun.objects.values_list("state", "outputs").get(id=self.id)
            found = artifact_bodies(self.id, outputs)
            if state != RunState.COMPLETED:
                return found
            self.outputs = found
        return self.outputs

    def step_outputs_of(self, done: list[tuple[str, int | None, int, float | None]]) -> Body:
        """The outputs of done step runs by label: ``(node, map_index, attempt, finished_at)``
        each, as the snapshot shows them. Those not kept yet are read in one query, and kept
        when the row is done at the attempt the snapshot names (otherwise they are shown and
        read again next time)."""
        found: Body = {}
        missing = []
        for node, index, attempt, finished_at in done:
            label = step_label(node, index)
            key = (label, attempt, finished_at)
            kept = self.step_outputs.get(key)
            if kept is None:
                missing.append((key, node, index))
            else:
                found[label] = kept
        if not missing:
            return found
        rows = {
            (node, index): (state, attempt, output)
            for node, index, state, attempt, output in StepRun.objects.filter(
                run_id=self.id
            ).values_list("node", "map_index", "state", "attempt", "output")
        }
        for key, node, index in missing:
            row = rows.get((node, index))
            if row is None:
                found[key[0]] = []
                continue
            state, attempt, output = row
            bodies = [artifact_body(self.id, a) for a in decoded_artifacts(output)]
            if state in STEP_DONE and attempt == key[1]:
                self.step_outputs[key] = bodies
            found[key[0]] = bodies
        return found


def artifact_bodies(run_id: str, value: dict[str, Any] | None) -> dict[str, Body]:
    return {name: artifact_body(run_id, a) for name, a in named_artifacts(value).items()}


def submitted_asset_id(run: FlowRun) -> str | None:
    try:
        return run.submission.asset_id
    except Submission.DoesNotExist:
        return None


_kept: BoundedCache[str, FixedRun] = BoundedCache(KEPT_RUNS)


def fixed_run(run_id: str, catalogue: Catalogue) -> FixedRun | None:
    """The run's fixed parts, read from the database the first time; None if it does not exist."""
    fixed = _kept.get(run_id)
    if fixed is not None:
        return fixed
    row = FlowRun.objects.select_related("owner", "submission").filter(id=run_id).first()
    if row is None:
        return None
    fixed = FixedRun.of_row(row, catalogue)
    _kept.put(run_id, fixed)
    return fixed
