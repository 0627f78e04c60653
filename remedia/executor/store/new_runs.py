"""NewRun: a run to submit, and its plan in memory before anything is written.

A submission is validated and planned entirely in memory (parameters, DAG, the steps that are
ready at once, with the same transitions and events as any later change), so that a bad one
fails before any write and a batch of good ones is inserted in a fixed number of round trips
(``persist.insert_new_runs``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from remedia.executor.advance import Advancer
from remedia.executor.cache import StepCache
from remedia.executor.plan import StepKey
from remedia.executor.records import RunRecord
from remedia.flows import Artifact, Catalogue, Flow, encode_value

from .models import FlowRun
from .persist import LoadedRun


@dataclass(frozen=True)
class NewRun:
    """One run to submit: a flow, its inputs and parameters, and who owns it."""

    flow: Flow
    inputs: Mapping[str, Artifact]
    params: BaseModel | dict[str, Any] | None = None
    run_id: str | None = None
    owner_id: int | None = None


@dataclass
class PlannedRun:
    """A new run's unsaved rows and record, and the steps it queues at once."""

    loaded: LoadedRun
    queued: list[StepKey]

    @property
    def run_id(self) -> str:
        return self.loaded.record.run_id


def plan_new_run(new: NewRun, catalogue: Catalogue, cache: StepCache | None) -> PlannedRun:
    """Validate ``new`` and plan it; raises ValueError or ParameterError."""
    flow = new.flow
    missing = set(flow.inputs) - set(new.inputs)
    if missing:
        raise ValueError(f"flow '{flow.name}' needs inputs {sorted(missing)}")
    model = flow.validate_params(new.params)
    dag = flow.trace(model)
    run_id = new.run_id or uuid.uuid4().hex
    encoded = {name: encode_value(new.inputs[name]) for name in flow.inputs}
    row = FlowRun(
        id=run_id,
        flow=flow.name,
        version=flow.version,
        dag=dag.to_json(),
        params=model.model_dump(mode="json"),
        inputs=encoded,
        owner_id=new.owner_id,
    )
    record = RunRecord.new(run_id, dag, encoded)
    loaded = LoadedRun(
        row=row, record=record, step_rows={}, loaded_states={}, loaded_run_state=row.state
    )
    queued = Advancer(catalogue, cache, loaded.listen).advance(record)
    return PlannedRun(loaded, queued)
