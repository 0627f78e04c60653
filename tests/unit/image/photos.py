"""Real photos that ship inside scikit-image, and the degradations the tests apply to them.

Casts are diagonal in linear light (how a different illuminant acts on a camera's sensor) and
scaled so that the largest gain is 1: no pixel gets brighter, so no new clipping occurs.
"""

from __future__ import annotations

import numpy as np
import skimage.data

from remedia.flows.image.colour import angle_from_neutral, luminance, to_linear, to_srgb8

PHOTOS = {
    "astronaut": skimage.data.astronaut,
    "coffee": skimage.data.coffee,
    "chelsea": skimage.data.chelsea,
    "rocket": skimage.data.rocket,
    "hubble_deep_field": skimage.data.hubble_deep_field,
    "motorcycle": lambda: skimage.data.stereo_motorcycle()[0],
}

#: Linear-light (R, G, B) multipliers: tungsten-like, overcast/shade-like, fluorescent-like.
CASTS = {
    "warm": (1.0, 0.72, 0.42),
    "cool": (0.68, 0.84, 1.0),
    "green": (0.78, 1.0, 0.74),
}

UNDER_EXPOSURE = 0.5  # -1 EV in linear light


def photo(name: str) -> np.ndarray:
    """The photo as uint8 RGB (alpha dropped)."""
    return np.ascontiguousarray(PHOTOS[name]()[:, :, :3])


def degrade(pixels: np.ndarray, cast: tuple[float, float, float], gain: float = 1.0) -> np.ndarray:
    """Multiply linear light by ``cast`` (normalised to a peak of 1) and by ``gain``."""
    multipliers = np.asarray(cast, dtype=np.float32) / max(cast) * gain
    return to_srgb8(to_linear(pixels) * multipliers)


def channel_means(pixels: np.ndarray) -> np.ndarray:
    """Per-channel mean of linear light."""
    return to_linear(pixels).reshape(-1, 3).mean(axis=0, dtype=np.float64)


def residual_cast(output: np.ndarray, original: np.ndarray) -> float:
    """Degrees between (output means / original means) and neutral, in linear light."""
    return angle_from_neutral(channel_means(output) / channel_means(original))


def median_luminance(pixels: np.ndarray) -> float:
    """Median linear luminance."""
    return float(np.median(luminance(to_linear(pixels))))
