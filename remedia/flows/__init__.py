"""The flow language: ``@flow``, ``@step``, tracing into a static DAG, and the catalogue.

Importing this package has no side effects beyond defining these names: no Django, no broker.
Built-in correction flows register when ``load_flow_modules()`` imports them.
"""

from .artifact import Artifact, artifacts_in, decode_value, encode_value
from .catalogue import Catalogue, catalogue, load_flow_modules
from .context import ProgressUpdate, StepContext
from .dag import Dag, Input, Node
from .errors import (
    FlowError,
    ParameterError,
    StepCancelled,
    StepFailure,
    TracingError,
    UnknownFlow,
)
from .flow import Flow, flow
from .options import StepOptions, parse_duration
from .step import Step, step

__all__ = [
    # declaring flows
    "Artifact",
    "Flow",
    "Step",
    "StepContext",
    "StepOptions",
    "flow",
    "step",
    # the traced graph
    "Dag",
    "Input",
    "Node",
    # finding flows
    "Catalogue",
    "catalogue",
    "load_flow_modules",
    # errors
    "FlowError",
    "ParameterError",
    "StepCancelled",
    "StepFailure",
    "TracingError",
    "UnknownFlow",
    # values
    "ProgressUpdate",
    "artifacts_in",
    "decode_value",
    "encode_value",
    "parse_duration",
]
