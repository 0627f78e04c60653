"""``/flows``: the catalogue of flows, their parameter schemas and steps, and planned DAGs."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema
from pydantic import Field

from remedia.flows import Flow, FlowError

from .auth import api_auth
from .dags import DagOut, dag_out
from .ids import FlowName
from .problems import Problem
from .runtime import runtime

router = Router(tags=["flows"], auth=api_auth)


class StepInfo(Schema):
    """A step a flow version may call, with the options that decide how it runs."""

    name: str
    description: str
    queue: str
    retries: int
    timeout_seconds: float | None
    cache: bool


class FlowVersionOut(Schema):
    """One version of a flow: its parameters' JSON schema, inputs, steps, default DAG."""

    version: int
    description: str
    params_schema: dict[str, Any]
    inputs: list[str]
    steps: list[StepInfo] = Field(
        description="The steps the default parameters call; plan other parameters to see more."
    )
    dag: DagOut | None = Field(
        description="The DAG for the default parameters; null when some have no default."
    )


class FlowOut(Schema):
    """A named flow and each of its versions, newest last."""

    name: str
    description: str
    latest_version: int
    versions: list[FlowVersionOut]


class PlanIn(Schema):
    """Parameters to plan with; the newest version unless ``version`` is given."""

    version: int | None = Field(default=None, ge=1)
    params: dict[str, Any] = Field(default_factory=dict)


def _steps(flow: Flow) -> list[StepInfo]:
    catalogue = runtime().catalogue
    try:
        dag = flow.trace(None)
        names = list(dict.fromkeys(node.step for node in dag.nodes))
    except FlowError:
        names = []
    steps = []
    for name in names:
        options = catalogue.step(name).options
        steps.append(
            StepInfo(
                name=name,
                description=catalogue.step(name).description,
                queue=options.queue,
                retries=options.retries,
                timeout_seconds=options.timeout,
                cache=options.cache,
            )
        )
    return steps


def _version_out(flow: Flow) -> FlowVersionOut:
    try:
        dag: DagOut | None = dag_out(flow.trace(None), runtime().catalogue)
    except FlowError:
        dag = None
    return FlowVersionOut(
        version=flow.version,
        description=flow.description,
        params_schema=flow.params_schema(),
        inputs=list(flow.inputs),
        steps=_steps(flow),
        dag=dag,
    )


def _flow_out(versions: list[Flow]) -> FlowOut:
    newest = versions[-1]
    return FlowOut(
        name=newest.name,
        description=newest.description,
        latest_version=newest.version,
        versions=[_version_out(f) for f in versions],
    )


def _by_name() -> dict[str, list[Flow]]:
    found: dict[str, list[Flow]] = {}
    for flow in runtime().catalogue.flows():
        found.setdefault(flow.name, []).append(flow)
    return found


@router.get("", response={200: list[FlowOut], 401: Problem}, summary="List the flows")
def list_flows(request: Any) -> list[FlowOut]:
    return [_flow_out(versions) for versions in _by_name().values()]


@router.get(
    "/{name}",
    response={200: FlowOut, 401: Problem, 404: Problem},
    summary="Get a flow and its versions",
)
def get_flow(request: Any, name: FlowName) -> FlowOut:
    runtime().catalogue.flow(name)  # UnknownFlow -> 404 naming the known flows
    return _flow_out(_by_name()[name])


@router.post(
    "/{name}/plan",
    response={200: DagOut, 401: Problem, 403: Problem, 404: Problem, 422: Problem},
    summary="Plan the DAG a run with these parameters would have",
)
def plan_flow(request: Any, name: FlowName, body: PlanIn) -> DagOut:
    flow = runtime().catalogue.flow(name, body.version)
    return dag_out(flow.trace(body.params), runtime().catalogue)
