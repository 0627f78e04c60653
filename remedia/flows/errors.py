"""Errors raised by the flow language, each with a message that says what to fix."""


class FlowError(Exception):
    """Base class for errors in defining, tracing or looking up flows."""


class TracingError(FlowError):
    """A flow body did something that cannot become a static DAG."""


class ParameterError(FlowError):
    """Parameters given to a flow do not match its parameter model."""

    def __init__(self, message: str, errors: list[dict] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class UnknownFlow(FlowError):
    """No flow is registered under that name (and version)."""


class StepCancelled(Exception):
    """Raised inside a step when its run was asked to cancel; the executor records CANCELLED."""


class StepFailure(Exception):
    """A step gave up with a reason meant for the user, not a bug: no traceback is shown.

    Correction code raises subclasses (e.g. MediaError) with a machine ``code`` and a message.
    ``retryable`` is False because the same input fails the same way again.
    """

    code: str = "step_failed"
    retryable: bool = False

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
