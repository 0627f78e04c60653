"""A storage key is a safe relative path: it can never reach outside the storage root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from remedia.storage import InvalidKey, LocalStorage, validate_key


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the storage root holding a secret."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_bytes(b"secret")
    return folder


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("", "non-empty"),
        ("..", r"'\.\.'"),
        ("../outside/secret.txt", r"'\.\.'"),
        ("runs/../../outside/secret.txt", r"'\.\.'"),
        ("runs/..", r"'\.\.'"),
        ("./runs/a", r"'\.'"),
        ("runs//a", "empty"),
        ("runs/a/", "empty"),
        ("/etc/passwd", "absolute"),
        ("runs\\..\\..\\secret", "not '\\\\'"),
        ("runs/a\x00.txt", "NUL"),
        ("a" * 1025, "at most 1024"),
    ],
    ids=["empty", "dot-dot", "dot-dot prefix", "dot-dot inside", "dot-dot last", "dot",
         "empty part", "trailing slash", "absolute", "backslash", "NUL", "too long"],
)  # fmt: skip
def test_an_unsafe_key_is_refused_saying_why(key: str, why: str) -> None:
    with pytest.raises(InvalidKey, match=why):
        validate_key(key)


@pytest.mark.parametrize(
    "key", ["a", "runs/r1/decode/output.tif", "inputs/ab/abcd/photo.JPG", "a..b/c.d", "é/ü.png"]
)
def test_an_ordinary_relative_key_is_accepted(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize(
    "use",
    [
        lambda s, k: s.put(k, b"x"),
        lambda s, k: s.open(k),
        lambda s, k: s.exists(k),
        lambda s, k: s.stat(k),
        lambda s, k: s.delete(k),
    ],
    ids=["put", "open", "exists", "stat", "delete"],
)
@pytest.mark.parametrize("key", ["../outside/secret.txt", "/etc/passwd", "a\x00b", "a\\..\\b"])
def test_every_operation_refuses_an_unsafe_key(
    storage: LocalStorage, use: object, key: str
) -> None:
    with pytest.raises(InvalidKey):
        use(storage, key)  # type: ignore[operator]


def test_a_write_through_dot_dot_puts_nothing_outside_the_root(
    storage: LocalStorage, outside: Path
) -> None:
    with pytest.raises(InvalidKey):
        storage.put("../outside/planted.txt", b"x")

    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


@pytest.mark.parametrize("key", [".tmp/anything", "photo.jpg.sha256"])
def test_keys_used_for_bookkeeping_are_reserved(storage: LocalStorage, key: str) -> None:
    with pytest.raises(InvalidKey, match=r"reserved for storage bookkeeping"):
        storage.put(key, b"x")


def test_a_folder_link_pointing_outside_cannot_be_read_through(
    storage: LocalStorage, outside: Path
) -> None:
    os.symlink(outside, storage.root / "link")

    with pytest.raises(InvalidKey, match=r"leads outside the storage root"):
        storage.open("link/secret.txt")
    with pytest.raises(InvalidKey, match=r"leads outside the storage root"):
        storage.exists("link/secret.txt")


def test_a_folder_link_pointing_outside_cannot_be_written_through(
    storage: LocalStorage, outside: Path
) -> None:
    os.symlink(outside, storage.root / "link")

    with pytest.raises(InvalidKey, match=r"leads outside the storage root"):
        storage.put("link/planted.txt", b"x")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_a_file_link_pointing_outside_cannot_be_read_or_deleted(
    storage: LocalStorage, outside: Path
) -> None:
    os.symlink(outside / "secret.txt", storage.root / "secret.txt")

    with pytest.raises(InvalidKey):
        storage.read_bytes("secret.txt")
    with pytest.raises(InvalidKey):
        storage.delete("secret.txt")
    assert (outside / "secret.txt").read_bytes() == b"secret"


def test_a_folder_link_pointing_outside_is_not_listed(storage: LocalStorage, outside: Path) -> None:
    storage.put("inputs/a.jpg", b"a")
    os.symlink(outside, storage.root / "link")

    assert list(storage.keys()) == ["inputs/a.jpg"]
    with pytest.raises(InvalidKey, match=r"leads outside the storage root"):
        list(storage.keys("link"))


def test_a_link_created_deeper_after_the_first_check_is_still_caught(
    storage: LocalStorage, outside: Path
) -> None:
    (storage.root / "runs").mkdir()
    os.symlink(outside, storage.root / "runs" / "r1")

    with pytest.raises(InvalidKey):
        storage.put("runs/r1/decode/output.tif", b"x")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
