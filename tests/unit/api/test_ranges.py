"""Parsing a Range header against a file's size: one range, or the whole file, or 416."""

from __future__ import annotations

import pytest

from remedia.api.ranges import UnsatisfiableRange, parse_range

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "span"),
    [
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 999)),
        ("bytes=-100", (900, 999)),
        ("bytes=900-5000", (900, 999)),
        ("bytes=-5000", (0, 999)),
        ("bytes = 5 - 9", (5, 9)),
    ],
)
def test_a_single_range_gives_inclusive_byte_positions(header: str, span: tuple[int, int]):
    assert parse_range(header, SIZE) == span


@pytest.mark.parametrize(
    "header",
    [None, "", "bytes=", "bytes=-", "lines=1-2", "bytes=5-1", "bytes=0-1,5-9", "bytes=a-b"],
)
def test_a_header_that_cannot_be_honoured_as_one_range_means_the_whole_file(header):
    assert parse_range(header, SIZE) is None


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_a_range_outside_the_file_is_unsatisfiable_and_says_the_size(header: str):
    with pytest.raises(UnsatisfiableRange, match="1000 bytes") as raised:
        parse_range(header, SIZE)
    assert raised.value.size == SIZE


def test_any_range_of_an_empty_file_is_unsatisfiable():
    with pytest.raises(UnsatisfiableRange):
        parse_range("bytes=-10", 0)
