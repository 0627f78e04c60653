"""LocalStorage: put, read, check, list and delete objects, each with its sha256 digest."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from remedia.storage import LocalStorage, ObjectNotFound, StorageError, StoredObject


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_put_returns_the_key_size_and_sha256_of_what_it_stored(storage: LocalStorage) -> None:
    stored = storage.put("runs/r1/decode/output.tif", b"pixels")

    assert stored == StoredObject(key="runs/r1/decode/output.tif", size=6, digest=sha256(b"pixels"))


def test_what_was_put_can_be_read_back(storage: LocalStorage) -> None:
    storage.put("inputs/photo.jpg", b"jpeg bytes")

    with storage.open("inputs/photo.jpg") as handle:
        assert handle.read() == b"jpeg bytes"
    assert storage.read_bytes("inputs/photo.jpg") == b"jpeg bytes"


def test_put_accepts_a_readable_stream(storage: LocalStorage) -> None:
    data = bytes(range(256)) * 5000

    stored = storage.put("inputs/big.bin", io.BytesIO(data))

    assert stored.size == len(data)
    assert storage.read_bytes("inputs/big.bin") == data


def test_put_file_copies_a_local_file(storage: LocalStorage, tmp_path: Path) -> None:
    source = tmp_path / "upload.png"
    source.write_bytes(b"png bytes")

    stored = storage.put_file("inputs/upload.png", source)

    assert stored.digest == sha256(b"png bytes")
    assert storage.read_bytes("inputs/upload.png") == b"png bytes"


def test_exists_is_true_only_for_a_stored_object(storage: LocalStorage) -> None:
    storage.put("runs/r1/a/output.txt", b"a")

    assert storage.exists("runs/r1/a/output.txt")
    assert not storage.exists("runs/r1/b/output.txt")
    assert not storage.exists("runs/r1/a")


def test_size_stat_and_digest_describe_the_stored_object(storage: LocalStorage) -> None:
    storage.put("a/b.bin", b"twelve bytes")

    assert storage.size("a/b.bin") == 12
    assert storage.digest("a/b.bin") == sha256(b"twelve bytes")
    assert storage.stat("a/b.bin") == StoredObject("a/b.bin", 12, sha256(b"twelve bytes"))


def test_stat_recomputes_the_digest_when_its_record_is_missing(storage: LocalStorage) -> None:
    storage.put("a/b.bin", b"content")
    (storage.root / "a" / "b.bin.sha256").unlink()

    assert storage.digest("a/b.bin") == sha256(b"content")


def test_stat_never_trusts_a_digest_recorded_for_another_file(
    storage: LocalStorage, tmp_path: Path
) -> None:
    storage.put("a/b.bin", b"old content")
    replacement = tmp_path / "replacement"
    replacement.write_bytes(b"new content")  # the same size, as a half-finished put leaves it
    os.replace(replacement, storage.root / "a" / "b.bin")

    assert storage.digest("a/b.bin") == sha256(b"new content")


def test_putting_a_key_again_replaces_its_content_and_digest(storage: LocalStorage) -> None:
    storage.put("a/b.bin", b"first")

    storage.put("a/b.bin", b"second")

    assert storage.read_bytes("a/b.bin") == b"second"
    assert storage.digest("a/b.bin") == sha256(b"second")


def test_an_empty_object_can_be_stored(storage: LocalStorage) -> None:
    stored = storage.put("empty", b"")

    assert stored == StoredObject("empty", 0, sha256(b""))
    assert storage.read_bytes("empty") == b""


def test_delete_removes_the_object(storage: LocalStorage) -> None:
    storage.put("a/b.bin", b"x")

    storage.delete("a/b.bin")

    assert not storage.exists("a/b.bin")
    assert list(storage.keys()) == []


def test_deleting_a_missing_key_is_not_an_error(storage: LocalStorage) -> None:
    storage.delete("never/stored.bin")


@pytest.mark.parametrize(
    "read",
    [
        lambda s: s.open("missing.bin"),
        lambda s: s.stat("missing.bin"),
        lambda s: s.size("missing.bin"),
        lambda s: s.read_bytes("missing.bin"),
        lambda s: s.local_path("missing.bin").__enter__(),
    ],
    ids=["open", "stat", "size", "read_bytes", "local_path"],
)
def test_reading_a_missing_key_raises_object_not_found_naming_it(
    storage: LocalStorage, read: object
) -> None:
    with pytest.raises(ObjectNotFound) as caught:
        read(storage)  # type: ignore[operator]

    assert str(caught.value) == "no object stored under 'missing.bin'"


def test_keys_lists_every_object_and_no_bookkeeping_files(storage: LocalStorage) -> None:
    for key in ("inputs/a.jpg", "runs/r1/x/output.tif", "runs/r1/y/0/output.tif"):
        storage.put(key, key.encode())
    (storage.root / ".tmp" / "leftover").write_bytes(b"half")

    assert sorted(storage.keys()) == [
        "inputs/a.jpg",
        "runs/r1/x/output.tif",
        "runs/r1/y/0/output.tif",
    ]


def test_keys_under_a_prefix_lists_only_that_folder(storage: LocalStorage) -> None:
    for key in ("runs/r1/x/output.tif", "runs/r12/x/output.tif", "inputs/a.jpg"):
        storage.put(key, b"x")

    assert list(storage.keys("runs/r1")) == ["runs/r1/x/output.tif"]
    assert list(storage.keys("runs/r1/")) == ["runs/r1/x/output.tif"]
    assert list(storage.keys("runs/r9")) == []


def test_local_path_gives_a_file_with_the_objects_bytes(storage: LocalStorage) -> None:
    storage.put("a/b.bin", b"bytes")

    with storage.local_path("a/b.bin") as path:
        assert path.read_bytes() == b"bytes"


def test_a_key_below_an_existing_object_is_a_storage_error(storage: LocalStorage) -> None:
    storage.put("runs/r1", b"an object, not a folder")

    with pytest.raises(StorageError, match=r"'runs/r1/x' cannot be stored: 'runs/r1' is an object"):
        storage.put("runs/r1/x", b"x")
    assert storage.read_bytes("runs/r1") == b"an object, not a folder"


def test_a_key_naming_a_folder_of_objects_is_a_storage_error(storage: LocalStorage) -> None:
    storage.put("runs/r1/x", b"x")

    with pytest.raises(StorageError, match=r"'runs/r1' cannot be stored: it is a folder"):
        storage.put("runs/r1", b"y")
    assert list(storage.keys()) == ["runs/r1/x"]
    assert list((storage.root / ".tmp").iterdir()) == []


def test_the_storage_url_names_its_root(storage: LocalStorage) -> None:
    assert storage.url == storage.root.as_uri()
    assert storage.url.startswith("file:///")
