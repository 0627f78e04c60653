"""What the behaviour suite needs of an executor, and the local executor's adapter to it.

Each executor joins the suite with one adapter class and one entry in ``HARNESSES``; the
tests see only the ``Harness`` and ``RunHandle`` protocols, so they cannot drift apart.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from remedia.executor import LocalExecutor, RunRecord
from remedia.executor.inputs import ingest_file
from remedia.flows import Artifact, Flow
from remedia.storage import LocalStorage, Storage

POLL_SECONDS = 0.02


class RunHandle(Protocol):
    """A submitted run."""

    @property
    def run_id(self) -> str: ...

    def snapshot(self) -> RunRecord:
        """The run as it is now, possibly mid-run."""
        ...

    def wait(self, timeout: float) -> RunRecord:
        """The run once it ended; raises TimeoutError if it has not after ``timeout``."""
        ...

    def cancel(self) -> None: ...


class Harness(Protocol):
    """An executor with its own storage, as the behaviour tests drive it."""

    name: str
    storage: Storage

    def submit(
        self, flow: Flow, inputs: Mapping[str, Artifact], params: BaseModel | dict[str, Any]
    ) -> RunHandle: ...

    def retry(self, run_id: str) -> RunHandle: ...

    def store(self, data: Path | bytes, name: str = "input.txt") -> Artifact:
        """Put a flow input into the executor's storage."""
        ...

    def close(self) -> None: ...


class LocalHarness:
    """The in-process executor, each step attempt in a forked child process."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.storage = LocalStorage(root / "storage")
        self.executor = LocalExecutor(self.storage, workers=4, cancel_grace=10.0)

    def submit(
        self, flow: Flow, inputs: Mapping[str, Artifact], params: BaseModel | dict[str, Any]
    ) -> RunHandle:
        return self.executor.submit(flow, inputs, params)

    def retry(self, run_id: str) -> RunHandle:
        return self.executor.retry(run_id)

    def store(self, data: Path | bytes, name: str = "input.txt") -> Artifact:
        if isinstance(data, Path):
            return ingest_file(self.storage, data)
        uploads = self.root / "uploads" / uuid.uuid4().hex
        uploads.mkdir(parents=True)
        path = uploads / name
        path.write_bytes(data)
        return ingest_file(self.storage, path)

    def close(self) -> None:
        return None


HARNESSES: dict[str, Callable[[Path], Harness]] = {"local": LocalHarness}


def wait_until(
    handle: RunHandle, condition: Callable[[RunRecord], bool], *, timeout: float = 20.0
) -> RunRecord:
    """Poll the run's snapshot until ``condition`` holds; fail, showing the run, if not."""
    deadline = time.monotonic() + timeout
    while True:
        snapshot = handle.snapshot()
        if condition(snapshot):
            return snapshot
        if time.monotonic() > deadline:
            states = {step.label: step.state.value for step in snapshot.steps.values()}
            raise AssertionError(f"run {snapshot.state} after {timeout}s, steps: {states}")
        time.sleep(POLL_SECONDS)


def wait_for_file(path: Path, *, timeout: float = 20.0) -> None:
    """Wait until a step has left ``path`` behind; fail if it never does."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} did not appear within {timeout}s")
        time.sleep(POLL_SECONDS)
