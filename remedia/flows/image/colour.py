"""sRGB transfer function and the small colour helpers the analyse steps share.

White balance is a diagonal (von Kries) scaling, which is only physically meaningful on *linear*
light; 8-bit pixels are sRGB-encoded, so every estimator first maps them through
``SRGB_TO_LINEAR`` (a 256-entry table, so the conversion costs one gather, not a power).
"""

from __future__ import annotations

import math

import numpy as np

#: Rec. 709 / sRGB luminance weights for linear R, G, B.
LUMA_WEIGHTS = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)

#: Largest number of pixels the estimators look at; a strided view keeps them under ~1 MP.
ANALYSIS_PIXELS = 1_000_000


def srgb_decode(encoded: np.ndarray) -> np.ndarray:
    """Map sRGB-encoded values in [0, 1] to linear light (IEC 61966-2-1)."""
    x = np.asarray(encoded, dtype=np.float64)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    """Map linear light to sRGB-encoded values, both in [0, 1] (inputs are clipped first)."""
    x = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


#: uint8 sRGB code value -> linear light, float32.
SRGB_TO_LINEAR = srgb_decode(np.arange(256) / 255.0).astype(np.float32)


def to_linear(pixels: np.ndarray) -> np.ndarray:
    """uint8 sRGB pixels -> float32 linear light of the same shape."""
    return SRGB_TO_LINEAR[pixels]


def to_srgb8(linear: np.ndarray) -> np.ndarray:
    """Linear light (any float array) -> rounded uint8 sRGB."""
    return np.round(srgb_encode(linear) * 255.0).astype(np.uint8)


def subsample(pixels: np.ndarray, max_pixels: int = ANALYSIS_PIXELS) -> np.ndarray:
    """A strided view with at most about ``max_pixels`` pixels (no copy, no resampling).

    Global statistics (illuminant, percentiles) are stable at 1 MP; striding is free where a
    resize would cost tens of milliseconds at 12 MP and would blur the clipped highlights.
    """
    height, width = pixels.shape[:2]
    step = max(1, math.ceil(math.sqrt(height * width / max_pixels)))
    return pixels[::step, ::step]


def channel_max(pixels: np.ndarray) -> np.ndarray:
    """Per-pixel maximum over the three channels (numpy's ``max(axis=2)`` is ~10x slower)."""
    return np.maximum(np.maximum(pixels[..., 0], pixels[..., 1]), pixels[..., 2])


def luminance(linear: np.ndarray) -> np.ndarray:
    """Relative luminance Y of linear RGB pixels (last axis = channels)."""
    return linear @ LUMA_WEIGHTS


def angle_from_neutral(rgb: np.ndarray | tuple[float, float, float]) -> float:
    """Angle in degrees between an RGB vector and the neutral axis (1, 1, 1)."""
    v = np.asarray(rgb, dtype=np.float64)
    cos = v.sum() / (math.sqrt(3.0) * float(np.linalg.norm(v)))
    return math.degrees(math.acos(min(1.0, max(-1.0, cos))))
