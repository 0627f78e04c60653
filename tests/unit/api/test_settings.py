"""The API's limits are checked when read, and a bad one names its variable."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from remedia.api.settings import ApiSettings


def test_limits_come_from_remedia_api_variables(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("REMEDIA_API_MAX_UPLOAD_BYTES", "1234")
    monkeypatch.setenv("REMEDIA_API_SUBMISSIONS_PER_WINDOW", "3")
    settings = ApiSettings()
    assert (settings.max_upload_bytes, settings.submissions_per_window) == (1234, 3)


def test_a_page_larger_than_the_largest_page_is_refused_naming_both_variables():
    with pytest.raises(ValidationError, match=r"REMEDIA_API_PAGE_SIZE.*REMEDIA_API_MAX_PAGE_SIZE"):
        ApiSettings(page_size=50, max_page_size=10)


def test_an_upload_limit_of_zero_is_refused():
    with pytest.raises(ValidationError, match="max_upload_bytes"):
        ApiSettings(max_upload_bytes=0)
