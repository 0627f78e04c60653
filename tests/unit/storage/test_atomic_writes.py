"""An object appears under its key complete or not at all, even if its writer is killed."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from remedia.storage import LocalStorage

KEY = "runs/r1/encode/output.tif"


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


def temp_files(storage: LocalStorage) -> list[Path]:
    return list((storage.root / ".tmp").iterdir())


def test_a_writer_commits_under_the_key_only_when_its_block_ends(storage: LocalStorage) -> None:
    with storage.writer(KEY, ".tif") as pending:
        pending.path.write_bytes(b"complete")
        assert not storage.exists(KEY)
        assert pending.path.suffix == ".tif"

    assert storage.read_bytes(KEY) == b"complete"
    assert pending.stored is not None
    assert pending.stored.size == 8
    assert temp_files(storage) == []


def test_an_exception_inside_the_writer_stores_nothing_and_leaves_no_temp_file(
    storage: LocalStorage,
) -> None:
    with pytest.raises(RuntimeError, match="encoder crashed"), storage.writer(KEY) as pending:
        pending.path.write_bytes(b"half an image")
        raise RuntimeError("encoder crashed")

    assert not storage.exists(KEY)
    assert list(storage.keys()) == []
    assert temp_files(storage) == []
    assert pending.stored is None


def test_an_exception_inside_the_writer_keeps_the_previous_object(storage: LocalStorage) -> None:
    storage.put(KEY, b"previous")

    with pytest.raises(RuntimeError), storage.writer(KEY) as pending:
        pending.path.write_bytes(b"replacement, half done")
        raise RuntimeError("encoder crashed")

    assert storage.read_bytes(KEY) == b"previous"
    assert temp_files(storage) == []


def test_a_writer_that_writes_nothing_stores_nothing(storage: LocalStorage) -> None:
    with pytest.raises(FileNotFoundError, match=r"nothing was written"), storage.writer(KEY):
        pass

    assert not storage.exists(KEY)


def test_a_process_killed_mid_write_leaves_nothing_under_the_key(storage: LocalStorage) -> None:
    ready_read, ready_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: start writing, say so, then hang until killed
        try:
            os.close(ready_read)
            with storage.writer(KEY) as pending, pending.path.open("wb") as out:
                out.write(b"the first half of the image")
                out.flush()
                os.write(ready_write, b"writing")
                time.sleep(30)
                out.write(b"the second half")
        finally:
            os._exit(1)
    os.close(ready_write)
    assert os.read(ready_read, 16) == b"writing"
    os.close(ready_read)

    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)

    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert not storage.exists(KEY)
    assert list(storage.keys()) == []
    assert len(temp_files(storage)) == 1, "the killed writer's temporary file is left behind"


def test_temp_files_left_by_killed_writers_are_removed_once_stale(storage: LocalStorage) -> None:
    leftover = storage.root / ".tmp" / "0123abcd.tif"
    leftover.write_bytes(b"half")
    hour_ago = time.time() - 3601
    os.utime(leftover, (hour_ago, hour_ago))
    fresh = storage.root / ".tmp" / "4567cdef.tif"
    fresh.write_bytes(b"being written now")

    assert storage.remove_stale_temp_files(older_than=3600) == 1
    assert temp_files(storage) == [fresh]


def test_a_concurrent_reader_sees_the_old_object_or_the_new_one_never_a_mix(
    storage: LocalStorage,
) -> None:
    storage.put(KEY, b"old" * 1000)

    with storage.writer(KEY) as pending:
        pending.path.write_bytes(b"new" * 500)
        assert storage.read_bytes(KEY) == b"old" * 1000
        pending.path.write_bytes(b"new" * 2000)

    assert storage.read_bytes(KEY) == b"new" * 2000
