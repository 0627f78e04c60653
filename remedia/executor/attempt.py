"""One attempt of one step: call the function, and turn whatever happens into an Outcome.

Shared by the local executor's child processes and the Celery task, so both classify success,
failure, cancellation and bad output the same way.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any, Literal

from remedia.flows import Step, StepCancelled, StepContext, StepFailure, decode_value, encode_value

OutcomeStatus = Literal["completed", "failed", "cancelled"]


@dataclass(frozen=True)
class Outcome:
    status: OutcomeStatus
    output: Any = None
    error: str | None = None
    error_code: str | None = None
    retryable: bool = True
    traceback: str | None = None


def execute_attempt(step: Step, inputs: dict[str, Any], ctx: StepContext) -> Outcome:
    """Run ``step`` on encoded ``inputs``. Never raises: every ending is an Outcome."""
    try:
        value = step.fn(ctx, **decode_value(inputs))
        return Outcome("completed", output=encode_value(value))
    except StepCancelled:
        return Outcome("cancelled", error="cancelled on request", error_code="cancelled")
    except StepFailure as exc:
        return Outcome("failed", error=str(exc), error_code=exc.code, retryable=exc.retryable)
    except MemoryError:
        return Outcome(
            "failed",
            error="the step ran out of memory; try a smaller input",
            error_code="out_of_memory",
            retryable=False,
        )
    except Exception as exc:
        return Outcome(
            "failed",
            error=f"{type(exc).__name__}: {exc}",
            error_code="exception",
            traceback=traceback.format_exc(),
        )
    finally:
        ctx.close()
