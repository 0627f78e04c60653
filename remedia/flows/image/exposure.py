"""Exposure: levels (black point, white point) and a mid-tone gamma, from global statistics.

Measured on the white-balanced, linear-light, <= 1 MP subsample, so the apply step can fold
everything into one LUT. The rules are deliberately conservative, because a well-exposed photo
must come out unchanged:

- **White point** = the 99.9th percentile of each pixel's brightest channel (not luminance, so
  saturated colours do not clip). 99.5 would stretch a star field such as hubble_deep_field by
  30%, since its highlights are rarer than 0.5% of pixels.
- If the image has **clipped highlights** (a spike of pixels at some channel's maximum), those
  were white in the scene, so the white point alone sets exposure.
- Otherwise nothing in the picture is known to be white, so the gain is the smaller of the
  white-point gain and the gain that lifts the median luminance to mid-grey (``KEY_TARGET``).
  Gains below 1 come only from the white point (to avoid clipping), never from the median: a
  bright, unclipped photo stays as bright as it was.
- **Black point** = the 0.5th luminance percentile, only when it is visibly above black (haze),
  and never more than ``BLACK_MAX``.
- **Gamma** is a fallback: only when the gain hit ``MAX_GAIN`` and the median is still dark, or
  the median is washed out above ``BRIGHT_MEDIAN``. Dark scenes that already use the full range
  (night, space) are low-key by intent and keep gamma 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .colour import channel_max, luminance, subsample, to_linear
from .progress import Progress, report

WHITE_PERCENTILE = 99.9
BLACK_PERCENTILE = 0.5
BLACK_MIN = 0.004  # linear; below this the black point is left alone (about sRGB 12/255)
BLACK_MAX = 0.03  # linear; never lift more than this (about sRGB 48/255)
KEY_TARGET = 0.18  # linear mid-grey (sRGB 118/255)
MAX_GAIN = 8.0  # +3 EV at most
MIN_GAIN = 0.25
CLIP_SPIKE_FRACTION = 0.001  # share of pixels at a channel's maximum that means "clipped"
SPIKE_RATIO = 3.0  # ... and how many times more than a code value just below
DARK_MEDIAN = 0.05
BRIGHT_MEDIAN = 0.5
MAX_GAMMA = 1.8


@dataclass(frozen=True)
class Levels:
    """Tone parameters in linear light, applied after the white-balance gains.

    ``out = clip((x - black) / (white - black), 0, 1) ** (1 / gamma)``; gamma > 1 brightens.
    """

    black: float = 0.0
    white: float = 1.0
    gamma: float = 1.0
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Levels:
        """Inverse of ``to_dict``."""
        return cls(
            black=float(data["black"]),
            white=float(data["white"]),
            gamma=float(data["gamma"]),
            note=str(data.get("note", "")),
        )

    @property
    def is_identity(self) -> bool:
        """True when applying these levels changes nothing."""
        return self.black == 0.0 and self.white == 1.0 and self.gamma == 1.0


def estimate_levels(
    pixels: np.ndarray,
    gains: Sequence[float] = (1.0, 1.0, 1.0),
    *,
    progress: Progress | None = None,
) -> Levels:
    """Levels and gamma for uint8 sRGB ``pixels`` once ``gains`` (linear, R, G, B) are applied."""
    report(progress, 0, 1)
    small = subsample(pixels)
    linear = to_linear(small) * np.asarray(gains, dtype=np.float32)
    lum = luminance(linear)
    clipped = _has_clipped_highlights(small)
    # Clipped highlights were white in the scene: anchor on luminance, so a residual cast left
    # by the do-no-harm gate does not set the level. Otherwise protect saturated colours.
    white = float(np.percentile(lum if clipped else channel_max(linear), WHITE_PERCENTILE))
    if white <= 1e-6:
        report(progress, 1, 1)
        return Levels(note="image is black")
    notes = []
    black = float(np.percentile(lum, BLACK_PERCENTILE))
    black = min(black, BLACK_MAX) if black >= BLACK_MIN else 0.0
    gain = 1.0 / white
    if clipped:
        notes.append("clipped highlights anchor the white point")
    else:
        median = float(np.median(lum))
        key_gain = max(1.0, KEY_TARGET / median) if median > 0 else MAX_GAIN
        if key_gain < gain:
            notes.append("median to mid-grey")
            gain = key_gain
    gain = min(MAX_GAIN, max(MIN_GAIN, gain))
    white = 1.0 / gain
    if black >= 0.5 * white:
        black = 0.0
    stretched = np.clip((np.median(lum) - black) / (white - black), 1e-6, 1.0)
    gamma = _fallback_gamma(float(stretched), capped=gain >= MAX_GAIN)
    if gamma != 1.0:
        notes.append(f"gamma {gamma:.2f} for median {stretched:.3f}")
    report(progress, 1, 1)
    return Levels(round(black, 6), round(white, 6), round(gamma, 4), "; ".join(notes))


def _has_clipped_highlights(pixels: np.ndarray) -> bool:
    """True when some channel has a spike at its maximum code value (clipping, at any scale).

    A spike means the top two code values hold at least ``CLIP_SPIKE_FRACTION`` of the pixels
    *and* several times more than the bins just below: a smooth tail (a bright but unclipped
    subject, or a dark channel whose code values are coarse) is not a spike.
    """
    flat = pixels.reshape(-1, 3)
    for channel in range(3):
        histogram = np.bincount(flat[:, channel], minlength=256)
        top = int(np.flatnonzero(histogram)[-1])
        if top < 32:
            continue
        at_top = int(histogram[top - 1 : top + 1].sum())
        below_per_bin = float(histogram[top - 5 : top - 1].mean())
        if at_top >= CLIP_SPIKE_FRACTION * flat.shape[0] and at_top >= SPIKE_RATIO * below_per_bin:
            return True
    return False


def _fallback_gamma(median: float, *, capped: bool) -> float:
    """Gamma that moves the stretched median halfway (in log) towards mid-grey, or 1."""
    if (capped and median < DARK_MEDIAN) or median > BRIGHT_MEDIAN:
        full = math.log(median) / math.log(KEY_TARGET)  # median ** (1 / full) == KEY_TARGET
        gamma = math.sqrt(full)
        return min(MAX_GAMMA, max(1.0 / MAX_GAMMA, gamma))
    return 1.0
