"""Resize: fit the long edge within a limit, never enlarging.

Area averaging is the default because it is the right filter for shrinking (no ringing, and it
averages noise away); Lanczos keeps a little more fine detail at the cost of slight halos.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

ResizeFilter = Literal["area", "lanczos"]
_FLAGS = {"area": cv2.INTER_AREA, "lanczos": cv2.INTER_LANCZOS4}


def fitted_size(width: int, height: int, long_edge: int) -> tuple[int, int]:
    """(width, height) scaled so the longer side is at most ``long_edge``."""
    scale = long_edge / max(width, height)
    if scale >= 1.0:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


def resize_long_edge(
    pixels: np.ndarray, long_edge: int, *, method: ResizeFilter = "area"
) -> np.ndarray:
    """``pixels`` shrunk to fit ``long_edge``, or unchanged when they already fit."""
    height, width = pixels.shape[:2]
    size = fitted_size(width, height, long_edge)
    if size == (width, height):
        return np.asarray(pixels)
    return cv2.resize(np.ascontiguousarray(pixels), size, interpolation=_FLAGS[method])
