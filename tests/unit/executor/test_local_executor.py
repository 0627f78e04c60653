"""LocalExecutor details that the shared behaviour suite cannot reach through its harness."""

from __future__ import annotations

from pathlib import Path

import pytest

from remedia.executor import LocalExecutor, RunState, StepState
from remedia.executor.inputs import ingest_file
from remedia.flows import Artifact, Catalogue, StepContext, UnknownFlow, flow, step
from remedia.storage import LocalStorage

STEPS = Catalogue()


@step(registry=STEPS)
def copy_text(ctx: StepContext, text: Artifact) -> Artifact:
    return ctx.save(ctx.open(text).read_bytes(), suffix=".txt")


@flow("test.copy", registry=Catalogue())
def copy_flow(text: Artifact) -> Artifact:
    return copy_text(text)


@pytest.fixture
def text(tmp_path: Path) -> tuple[LocalStorage, Artifact]:
    storage = LocalStorage(tmp_path / "storage")
    source = tmp_path / "text.txt"
    source.write_bytes(b"hello")
    return storage, ingest_file(storage, source)


def test_a_run_whose_step_is_not_in_the_catalogue_ends_crashed_naming_it(
    text: tuple[LocalStorage, Artifact],
) -> None:
    storage, source = text
    executor = LocalExecutor(storage, workers=1, registry=Catalogue())

    with pytest.raises(UnknownFlow, match=r"no step named '.*copy_text' is registered"):
        executor.run(copy_flow, {"text": source})

    (run,) = executor.runs.values()
    assert run.state == RunState.CRASHED
    assert run.error is not None
    assert run.error.startswith("the executor failed: UnknownFlow: no step named")


def test_a_snapshot_is_a_copy_that_changes_neither_the_run_nor_later_snapshots(
    text: tuple[LocalStorage, Artifact],
) -> None:
    storage, source = text
    handle = LocalExecutor(storage, workers=1, registry=STEPS).submit(copy_flow, {"text": source})
    assert handle.wait(20).state == RunState.COMPLETED

    snapshot = handle.snapshot()
    snapshot.steps[("copy_text", None)].state = StepState.FAILED
    snapshot.outputs.clear()

    again = handle.snapshot()
    assert again.steps[("copy_text", None)].state == StepState.COMPLETED
    assert again.outputs == handle.record.outputs != {}
    assert again.dag is handle.record.dag


def test_a_run_submitted_without_a_required_input_is_refused(
    text: tuple[LocalStorage, Artifact],
) -> None:
    storage, _ = text

    with pytest.raises(ValueError, match=r"flow 'test.copy' needs inputs \['text'\]"):
        LocalExecutor(storage).submit(copy_flow, {})
