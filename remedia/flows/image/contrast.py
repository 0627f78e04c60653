"""Local contrast: CLAHE on lightness only, so colours keep their hue and saturation.

OpenCV's CLAHE was measured ~100x faster than scikit-image's (170 ms vs 17 s at 12 MP), so it
is the only implementation. It runs on L* of Lab (perceptual, the default) or V of HSV (a bit
cheaper, but it brightens saturated colours more).
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

ContrastSpace = Literal["lab", "hsv"]
TILES = 8  # an 8x8 grid, as in the CLAHE paper and most editors


def local_contrast(
    pixels: np.ndarray, *, clip_limit: float = 2.0, space: ContrastSpace = "lab"
) -> np.ndarray:
    """CLAHE on the lightness channel of uint8 RGB ``pixels``; returns a new array."""
    clahe = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=(TILES, TILES))
    forward, backward, channel = (
        (cv2.COLOR_RGB2LAB, cv2.COLOR_LAB2RGB, 0)
        if space == "lab"
        else (cv2.COLOR_RGB2HSV_FULL, cv2.COLOR_HSV2RGB_FULL, 2)
    )
    converted = cv2.cvtColor(np.ascontiguousarray(pixels), forward)
    converted[:, :, channel] = clahe.apply(np.ascontiguousarray(converted[:, :, channel]))
    return cv2.cvtColor(converted, backward)
