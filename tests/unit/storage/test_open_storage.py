"""open_storage: the Storage that a URL (``file://...`` or a bare path) names."""

from __future__ import annotations

from pathlib import Path

import pytest

from remedia.storage import LocalStorage, StorageError, open_storage


def test_a_file_url_with_an_absolute_path_opens_that_folder(tmp_path: Path) -> None:
    storage = open_storage(f"file://{tmp_path}/store")

    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "store"
    assert storage.root.is_dir()


def test_a_bare_absolute_path_opens_that_folder(tmp_path: Path) -> None:
    storage = open_storage(str(tmp_path / "store"))

    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "store"


def test_a_relative_file_url_is_taken_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    storage = open_storage("file://.remedia/storage")

    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / ".remedia" / "storage"


def test_a_bare_relative_path_is_taken_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    storage = open_storage("store")

    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "store"


def test_a_file_url_naming_localhost_is_the_absolute_path_after_it(tmp_path: Path) -> None:
    storage = open_storage(f"file://localhost{tmp_path}/store")

    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "store"


def test_percent_escapes_in_a_file_url_are_decoded(tmp_path: Path) -> None:
    storage = open_storage(f"file://{tmp_path}/my%20photos")

    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "my photos"


def test_a_storage_opened_from_another_storages_url_is_the_same_folder(tmp_path: Path) -> None:
    first = LocalStorage(tmp_path / "with space & more")
    first.put("inputs/a.jpg", b"a")

    second = open_storage(first.url)

    assert isinstance(second, LocalStorage)
    assert second.root == first.root
    assert second.read_bytes("inputs/a.jpg") == b"a"


@pytest.mark.parametrize("url", ["s3://bucket/prefix", "http://example.com/store", "ftp://x/y"])
def test_an_unsupported_scheme_is_a_storage_error_saying_what_works(url: str) -> None:
    with pytest.raises(StorageError, match=r"unsupported storage URL .* use file:///path"):
        open_storage(url)
