"""StepProcess: one step attempt in a forked child process, so that CPU-bound steps use every
core, a timed-out step can be killed, and a crashing step cannot take the executor with it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from typing import Any

from remedia.flows import ProgressUpdate, Step, StepContext
from remedia.storage import Storage

from .attempt import Outcome, execute_attempt

_fork = multiprocessing.get_context("fork")


def new_cancel_event() -> Event:
    """An event that forked step processes can observe; create it before starting them."""
    return _fork.Event()


def _child_main(
    conn: Connection,
    step: Step,
    inputs: dict[str, Any],
    storage: Storage,
    cancel: Event,
    context: dict[str, Any],
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle

    def report(update: ProgressUpdate) -> None:
        conn.send(("progress", update.fraction, update.message))

    ctx = StepContext(storage=storage, report=report, is_cancelled=cancel.is_set, **context)
    outcome = execute_attempt(step, inputs, ctx)
    conn.send(("outcome", outcome))
    conn.close()


class StepProcess:
    """A running attempt: its child process and the pipe it reports through."""

    def __init__(
        self,
        step: Step,
        inputs: dict[str, Any],
        storage: Storage,
        cancel: Event,
        context: dict[str, Any],
    ) -> None:
        self.conn, child_conn = _fork.Pipe(duplex=False)
        self.process = _fork.Process(
            target=_child_main,
            args=(child_conn, step, inputs, storage, cancel, context),
            daemon=True,
        )
        self.started = time.monotonic()
        self.timeout = step.options.timeout
        self.process.start()
        child_conn.close()
        self.outcome: Outcome | None = None

    @property
    def deadline(self) -> float | None:
        return None if self.timeout is None else self.started + self.timeout

    def receive(self) -> list[tuple[Any, ...]]:
        """Messages waiting on the pipe (progress reports, the outcome)."""
        messages = []
        try:
            while self.conn.poll():
                message = self.conn.recv()
                if message[0] == "outcome":
                    self.outcome = message[1]
                messages.append(message)
        except (EOFError, OSError):
            pass
        return messages

    def exited(self) -> bool:
        return not self.process.is_alive()

    def death_reason(self) -> str:
        code = self.process.exitcode
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            return f"the step's process was killed by {name}"
        return f"the step's process exited with code {code} before reporting a result"

    def kill(self) -> None:
        if self.process.is_alive():
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(5)

    def close(self) -> None:
        self.process.join(5)
        self.conn.close()
        self.process.close()
