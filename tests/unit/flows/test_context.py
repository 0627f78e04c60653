"""StepContext: throttled progress, atomic saves under a step's key, and cancellation."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from remedia.flows import Artifact, ProgressUpdate, StepCancelled, StepContext
from remedia.storage import LocalStorage


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Flag:
    """A cancel request the test raises by hand."""

    def __init__(self) -> None:
        self.raised = False

    def __call__(self) -> bool:
        return self.raised


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


def make_context(
    storage: LocalStorage,
    reports: list[ProgressUpdate] | None = None,
    clock: Clock | None = None,
    cancel: Flag | None = None,
) -> StepContext:
    return StepContext(
        storage=storage,
        output_prefix="runs/r1/encode/",
        run_id="r1",
        node_key="encode",
        report=reports.append if reports is not None else None,
        is_cancelled=cancel,
        throttle_seconds=0.5,
        clock=clock or Clock(),
    )


def test_the_first_progress_report_is_sent_with_its_fraction(storage: LocalStorage) -> None:
    reports: list[ProgressUpdate] = []

    make_context(storage, reports).progress(done=25, total=100, message="rows")

    assert reports == [ProgressUpdate(fraction=0.25, message="rows", done=25, total=100)]


def test_reports_closer_together_than_the_throttle_are_dropped(storage: LocalStorage) -> None:
    reports: list[ProgressUpdate] = []
    clock = Clock()
    ctx = make_context(storage, reports, clock)

    ctx.progress(1, 10)
    clock.now += 0.2
    ctx.progress(2, 10)
    clock.now += 0.2
    ctx.progress(3, 10)
    clock.now += 0.2
    ctx.progress(4, 10)

    assert [update.done for update in reports] == [1, 4]


def test_the_final_report_is_always_sent_even_within_the_throttle(storage: LocalStorage) -> None:
    reports: list[ProgressUpdate] = []
    ctx = make_context(storage, reports)

    ctx.progress(1, 10)
    ctx.progress(10, 10)

    assert [update.fraction for update in reports] == [0.1, 1.0]


def test_progress_without_a_total_has_no_fraction(storage: LocalStorage) -> None:
    reports: list[ProgressUpdate] = []

    make_context(storage, reports).progress(7, message="frames")

    assert reports == [ProgressUpdate(fraction=None, message="frames", done=7, total=None)]


def test_the_fraction_is_kept_between_zero_and_one(storage: LocalStorage) -> None:
    reports: list[ProgressUpdate] = []
    clock = Clock()
    ctx = make_context(storage, reports, clock)

    ctx.progress(-3, 10)
    clock.now += 1
    ctx.progress(12, 10)

    assert [update.fraction for update in reports] == [0.0, 1.0]


def test_cancelled_says_whether_the_run_was_asked_to_cancel(storage: LocalStorage) -> None:
    cancel = Flag()
    ctx = make_context(storage, cancel=cancel)

    assert ctx.cancelled() is False
    cancel.raised = True
    assert ctx.cancelled() is True


def test_a_progress_report_after_a_cancel_request_stops_the_step(storage: LocalStorage) -> None:
    cancel = Flag()
    clock = Clock()
    ctx = make_context(storage, clock=clock, cancel=cancel)
    ctx.progress(1, 10)

    cancel.raised = True
    clock.now += 1

    with pytest.raises(StepCancelled, match=r"run r1 was cancelled"):
        ctx.progress(2, 10)


def test_a_throttled_progress_call_still_sees_the_cancel_request(storage: LocalStorage) -> None:
    reports: list[ProgressUpdate] = []
    cancel = Flag()
    ctx = make_context(storage, reports, Clock(), cancel)
    ctx.progress(1, 10)

    cancel.raised = True

    with pytest.raises(StepCancelled):
        ctx.progress(2, 10)
    assert len(reports) == 1


def test_save_stores_bytes_under_the_steps_key_with_their_digest(storage: LocalStorage) -> None:
    ctx = make_context(storage)

    artifact = ctx.save(b"corrected pixels", suffix=".tif", display_name="beach.tif")

    assert artifact == Artifact(
        key="runs/r1/encode/output.tif",
        digest=hashlib.sha256(b"corrected pixels").hexdigest(),
        size=16,
        media_type="image/tiff",
        name="beach.tif",
    )
    assert storage.read_bytes(artifact.key) == b"corrected pixels"


def test_save_copies_a_local_file(storage: LocalStorage, tmp_path: Path) -> None:
    source = tmp_path / "made.webp"
    source.write_bytes(b"RIFF....WEBP")

    artifact = make_context(storage).save(source, name="preview", suffix=".webp")

    assert artifact.key == "runs/r1/encode/preview.webp"
    assert artifact.media_type == "image/webp"
    assert storage.read_bytes(artifact.key) == b"RIFF....WEBP"


def test_save_lets_a_function_write_to_the_path_it_is_given(storage: LocalStorage) -> None:
    artifact = make_context(storage).save(lambda path: path.write_text("hello"), suffix=".txt")

    assert storage.read_bytes(artifact.key) == b"hello"
    assert artifact.media_type == "text/plain"


def test_a_writer_that_raises_leaves_nothing_under_the_key(storage: LocalStorage) -> None:
    def half_write(path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        make_context(storage).save(half_write, suffix=".tif")

    assert list(storage.keys()) == []
    assert list((storage.root / ".tmp").iterdir()) == []


def test_a_save_finished_after_a_cancel_request_stores_nothing(storage: LocalStorage) -> None:
    cancel = Flag()

    def write_then_cancel(path: Path) -> None:
        path.write_bytes(b"complete but unwanted")
        cancel.raised = True

    with pytest.raises(StepCancelled):
        make_context(storage, cancel=cancel).save(write_then_cancel, suffix=".tif")

    assert not storage.exists("runs/r1/encode/output.tif")
    assert list((storage.root / ".tmp").iterdir()) == []


def test_open_gives_a_readable_local_path_for_an_artifact(storage: LocalStorage) -> None:
    stored = storage.put("inputs/photo.jpg", b"jpeg bytes")
    artifact = Artifact(key=stored.key, digest=stored.digest, size=stored.size)
    ctx = make_context(storage)

    path = ctx.open(artifact)

    assert path.read_bytes() == b"jpeg bytes"
    ctx.close()
