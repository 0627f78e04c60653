"""White balance and exposure on real photos with known casts, measured against the originals.

The residual cast is the angle between (output channel means / original channel means) and
neutral, in linear light: 0 means the original's colour balance came back exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pytest
from skimage.color import deltaE_ciede2000, rgb2lab

from remedia.flows.image.exposure import estimate_levels
from remedia.flows.image.tone import apply_tone
from remedia.flows.image.white_balance import (
    DEFAULT_WHITE_BALANCE,
    WHITE_BALANCE_METHODS,
    WhiteBalanceMethod,
    estimate_gains,
)

from .photos import CASTS, PHOTOS, UNDER_EXPOSURE, degrade, median_luminance, photo, residual_cast


def correct(pixels: np.ndarray, method: WhiteBalanceMethod) -> np.ndarray:
    balance = estimate_gains(pixels, method)
    return apply_tone(pixels, balance.gains, estimate_levels(pixels, balance.gains))


@dataclass(frozen=True)
class Case:
    photo: str
    cast: str
    exposure: float
    residual_in: float
    residual_out: float
    luminance_ratio: float


@cache
def cases(method: WhiteBalanceMethod) -> tuple[Case, ...]:
    """Every photo under every cast, at normal exposure and at -1 EV, corrected by ``method``."""
    found = []
    for name in PHOTOS:
        original = photo(name)
        for cast_name, cast in CASTS.items():
            for exposure in (1.0, UNDER_EXPOSURE):
                degraded = degrade(original, cast, exposure)
                output = correct(degraded, method)
                found.append(
                    Case(
                        name,
                        cast_name,
                        exposure,
                        residual_cast(degraded, original),
                        residual_cast(output, original),
                        median_luminance(output) / median_luminance(original),
                    )
                )
    return tuple(found)


def test_default_method_leaves_a_median_residual_cast_of_at_most_5_degrees() -> None:
    residuals = [case.residual_out for case in cases(DEFAULT_WHITE_BALANCE)]
    assert np.median(residuals) <= 5.0


@pytest.mark.parametrize("cast", sorted(CASTS))
def test_every_cast_is_reduced_on_average(cast: str) -> None:
    chosen = [c for c in cases(DEFAULT_WHITE_BALANCE) if c.cast == cast]
    assert np.mean([c.residual_out for c in chosen]) < np.mean([c.residual_in for c in chosen])


def test_no_corrected_photo_is_worse_than_its_cast_input() -> None:
    # 0.1 degree is below 8-bit quantisation of the -1 EV inputs; the casts are 7.7-18.4 degrees.
    worse = [c for c in cases(DEFAULT_WHITE_BALANCE) if c.residual_out > c.residual_in + 0.1]
    assert worse == []


def test_median_luminance_comes_back_within_10_percent_of_the_original() -> None:
    ratios = [case.luminance_ratio for case in cases(DEFAULT_WHITE_BALANCE)]
    assert 0.9 <= np.median(ratios) <= 1.1
    assert all(0.85 <= ratio <= 1.15 for ratio in ratios)


def test_under_exposed_photos_are_brightened_back() -> None:
    dark = [c for c in cases(DEFAULT_WHITE_BALANCE) if c.exposure == UNDER_EXPOSURE]
    assert all(0.85 <= c.luminance_ratio <= 1.15 for c in dark)


def test_default_method_is_the_most_accurate_of_the_four() -> None:
    medians = {
        method: float(np.median([c.residual_out for c in cases(method)]))
        for method in WHITE_BALANCE_METHODS
    }
    assert min(medians, key=medians.__getitem__) == DEFAULT_WHITE_BALANCE, medians


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_an_unmodified_photo_is_not_harmed(name: str) -> None:
    original = photo(name)
    output = correct(original, DEFAULT_WHITE_BALANCE)
    difference = deltaE_ciede2000(rgb2lab(original), rgb2lab(output))
    assert residual_cast(output, original) <= 5.0
    assert float(difference.mean()) <= 3.0
