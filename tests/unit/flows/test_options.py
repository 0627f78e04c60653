"""Step options: retries, backoff, timeout, queue, cache and version, each validated at once."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from remedia.flows import Catalogue, StepContext, StepOptions, parse_duration, step


def declare(**options: object) -> StepOptions:
    """Declare a throwaway step with ``options`` and return what it recorded."""

    def work(ctx: StepContext) -> None:
        return None

    return step(registry=Catalogue(), **options)(work).options  # type: ignore[arg-type]


def test_a_bare_step_does_not_retry_has_no_timeout_and_runs_on_the_default_queue() -> None:
    options = declare()

    assert options.retries == 0
    assert options.timeout is None
    assert options.queue == "default"
    assert options.cache is False
    assert options.version == 1


def test_options_given_to_the_decorator_are_recorded_on_the_step() -> None:
    options = declare(
        retries=2, retry_backoff=2.0, timeout="5m", queue="cpu", cache=True, version=3
    )

    assert options == StepOptions(
        retries=2, retry_backoff=2.0, timeout=300.0, queue="cpu", cache=True, version=3
    )


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("5m", 300.0),
        ("30s", 30.0),
        ("500ms", 0.5),
        ("1h", 3600.0),
        ("1.5h", 5400.0),
        (" 2 s ", 2.0),
        ("45", 45.0),
        (30, 30.0),
        (2.5, 2.5),
    ],
)
def test_a_duration_is_read_from_a_number_of_seconds_or_a_string_with_a_unit(
    written: str | float, seconds: float
) -> None:
    assert parse_duration(written) == seconds


@pytest.mark.parametrize(
    "written", ["5 minutes", "m", "-5s", "", "5d", "1e3s", 0, -1, 0.0, "0s", True, math.nan]
)
def test_a_duration_that_is_not_a_positive_time_is_refused(written: object) -> None:
    with pytest.raises(ValueError, match=r"duration"):
        parse_duration(written)  # type: ignore[arg-type]


def test_an_infinite_duration_is_refused() -> None:
    with pytest.raises(ValueError, match=r"duration must be finite"):
        parse_duration(math.inf)


def test_a_step_timeout_is_parsed_from_its_string() -> None:
    assert declare(timeout="30s").timeout == 30.0


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"retries": -1}, "retries"),
        ({"retries": 101}, "retries"),
        ({"retry_backoff": -0.1}, "retry_backoff"),
        ({"retry_jitter": 1.5}, "retry_jitter"),
        ({"timeout": "soon"}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"queue": "GPU queue"}, "queue"),
        ({"queue": ""}, "queue"),
        ({"version": 0}, "version"),
    ],
    ids=str,
)
def test_a_bad_option_is_refused_when_the_step_is_declared(
    options: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        declare(**options)

    assert [error["loc"] for error in caught.value.errors()] == [(field,)]


def test_the_retry_delay_starts_at_the_backoff_and_doubles_each_attempt() -> None:
    options = StepOptions(retries=3, retry_backoff=2.0, retry_jitter=0.0)

    assert [options.retry_delay(attempt) for attempt in (1, 2, 3)] == [2.0, 4.0, 8.0]


def test_jitter_adds_at_most_its_fraction_of_the_delay() -> None:
    options = StepOptions(retry_backoff=2.0, retry_jitter=0.25)

    assert options.retry_delay(2, jitter_draw=0.0) == 4.0
    assert options.retry_delay(2, jitter_draw=1.0) == 5.0


def test_options_cannot_be_changed_after_declaration() -> None:
    options = declare(retries=1)

    with pytest.raises(ValidationError):
        options.retries = 5  # type: ignore[misc]
