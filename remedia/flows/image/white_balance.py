"""White balance: estimate the scene illuminant and the per-channel gains that neutralise it.

Every estimator works on *linear* light, on a strided view of at most ~1 MP, and ignores clipped
pixels (any channel >= 250: their true colour is unknown) and near-black ones (all channels
<= 10: mostly noise). Gains are a diagonal (von Kries) correction, normalised to green = 1 as
camera raw multipliers are; the exposure step then sets the overall level.

Statistical estimators cannot tell a brown coffee from a white cup under tungsten light, and
they add casts to already-balanced, colour-dominated photos (MEDIA.md 8.14). So the estimate goes
through a "do-no-harm" gate before it becomes gains. The gate is a prior on real light sources,
expressed along two axes of log-chromaticity: *temperature* (the Planckian locus, blue <-> amber)
and *tint* (green <-> magenta):

- amber casts are corrected only beyond ``WARM_TOLERANCE``: warm subjects (skin, fur, wood,
  coffee) look like warm light, and people expect some warmth to remain under tungsten
  (incomplete chromatic adaptation);
- blue casts are corrected beyond ``COOL_TOLERANCE``;
- green casts (fluorescent, LED) are corrected beyond ``GREEN_TOLERANCE``;
- magenta is almost never the colour of a light, so a magenta estimate is mostly scene content
  and is corrected only beyond ``MAGENTA_TOLERANCE``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

import cv2
import numpy as np

from .colour import angle_from_neutral, channel_max, subsample, to_linear
from .progress import Progress, report

WhiteBalanceMethod = Literal["gray-world", "shades-of-gray", "white-patch", "gray-edge"]
WHITE_BALANCE_METHODS: tuple[WhiteBalanceMethod, ...] = get_args(WhiteBalanceMethod)

#: Most accurate on the cast-recovery test (bench/README.md, tests/unit/image/test_colour_cast.py):
#: median residual 4.7 degrees against 5.2 (white-patch), 5.4 (gray-edge), 10.6 (gray-world).
DEFAULT_WHITE_BALANCE: WhiteBalanceMethod = "shades-of-gray"

CLIPPED_LEVEL = 250  # 8-bit code value: at or above it a channel may be clipped
DARK_LEVEL = 10  # 8-bit code value: at or below it in every channel a pixel is noise
MINKOWSKI_P = 6.0  # shades-of-gray and gray-edge norm (Finlayson & Trezzi 2004)
WHITE_PATCH_PERCENTILE = 99.5
GRAY_EDGE_SIGMA = 1.5
MIN_VALID_FRACTION = 0.02  # below this share of usable pixels, do not correct at all

# Gate tolerances, in natural-log chromaticity units (0.1 is about a 10% channel ratio).
WARM_TOLERANCE = 0.20
COOL_TOLERANCE = 0.05
GREEN_TOLERANCE = 0.05
MAGENTA_TOLERANCE = 0.35
MAX_CORRECTION = 2.0  # never correct more than this (|log-chroma|, beyond a 2000 K lamp)

# Unit vectors in (log R/G, log B/G): from D65 towards a 2856 K Planckian light, and green.
_WARM_AXIS = np.array([0.498, -0.867])
_GREEN_AXIS = np.array([-0.867, -0.498])


@dataclass(frozen=True)
class WhiteBalanceResult:
    """What the analyse step found and what the apply step will do; JSON-able via ``to_dict``.

    Attributes:
        method: estimator used.
        gains: linear-light multipliers for (R, G, B), green = 1.
        illuminant: estimated illuminant colour, linear RGB, green = 1.
        estimated_cast_deg: angle between the illuminant and neutral, degrees.
        applied_cast_deg: angle of the correction actually applied after the gate.
        confidence: share of the estimated cast the gate let through (0..1).
        note: why the gate held back, empty if it did not.
    """

    method: WhiteBalanceMethod
    gains: tuple[float, float, float]
    illuminant: tuple[float, float, float]
    estimated_cast_deg: float
    applied_cast_deg: float
    confidence: float
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only (tuples become lists)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WhiteBalanceResult:
        """Inverse of ``to_dict``."""
        return cls(
            method=data["method"],
            gains=_triple(data["gains"]),
            illuminant=_triple(data["illuminant"]),
            estimated_cast_deg=float(data["estimated_cast_deg"]),
            applied_cast_deg=float(data["applied_cast_deg"]),
            confidence=float(data["confidence"]),
            note=str(data.get("note", "")),
        )

    @classmethod
    def identity(cls, method: WhiteBalanceMethod = DEFAULT_WHITE_BALANCE) -> WhiteBalanceResult:
        """No correction: what a flow passes on when white balance is switched off."""
        return cls(method, (1.0, 1.0, 1.0), (1.0, 1.0, 1.0), 0.0, 0.0, 0.0, "disabled")


def estimate_gains(
    pixels: np.ndarray,
    method: WhiteBalanceMethod = DEFAULT_WHITE_BALANCE,
    *,
    gate: bool = True,
    progress: Progress | None = None,
) -> WhiteBalanceResult:
    """Estimate the illuminant of uint8 sRGB ``pixels`` (HxWx3) and the gains that remove it.

    Args:
        pixels: decoded image, RGB uint8.
        method: which estimator; see ``WhiteBalanceMethod``.
        gate: apply the do-no-harm gate (off only to measure raw estimator accuracy).
        progress: optional ``(done, total)`` callback.

    Raises:
        ValueError: unknown method.
    """
    if method not in WHITE_BALANCE_METHODS:
        raise ValueError(
            f"unknown white balance method {method!r}; use one of {WHITE_BALANCE_METHODS}"
        )
    report(progress, 0, 2)
    small = subsample(pixels)
    brightest = channel_max(small)
    valid = (brightest < CLIPPED_LEVEL) & (brightest > DARK_LEVEL)
    if valid.mean() < MIN_VALID_FRACTION:
        report(progress, 2, 2)
        return _result(method, np.ones(3), np.ones(3), 0.0, "too few usable pixels")
    illuminant = _ESTIMATORS[method](to_linear(small), valid)
    report(progress, 1, 2)
    if not np.all(np.isfinite(illuminant)) or illuminant.min() <= 0:
        report(progress, 2, 2)
        return _result(method, np.ones(3), np.ones(3), 0.0, "no usable estimate")
    illuminant = illuminant / illuminant[1]
    applied, note = _gate(illuminant) if gate else (illuminant, "")
    estimated = _chroma(illuminant)
    size = float(np.linalg.norm(estimated))
    confidence = 1.0 if size < 1e-9 else float(np.linalg.norm(_chroma(applied))) / size
    report(progress, 2, 2)
    return _result(method, illuminant, applied, confidence, note)


def _result(
    method: WhiteBalanceMethod,
    illuminant: np.ndarray,
    applied: np.ndarray,
    confidence: float,
    note: str,
) -> WhiteBalanceResult:
    gains = applied[1] / applied
    return WhiteBalanceResult(
        method=method,
        gains=_triple(gains),
        illuminant=_triple(illuminant),
        estimated_cast_deg=round(angle_from_neutral(illuminant), 3),
        applied_cast_deg=round(angle_from_neutral(applied), 3),
        confidence=round(min(1.0, confidence), 4),
        note=note,
    )


def _chroma(rgb: np.ndarray) -> np.ndarray:
    """(log R/G, log B/G) of an RGB triple."""
    return np.array([math.log(rgb[0] / rgb[1]), math.log(rgb[2] / rgb[1])])


def _shrink(value: float, tolerance: float) -> float:
    """Soft threshold: the part of ``value`` beyond ``tolerance`` (0 inside it)."""
    return math.copysign(max(0.0, abs(value) - tolerance), value)


def _gate(illuminant: np.ndarray) -> tuple[np.ndarray, str]:
    """Keep only the part of the estimated cast that is plausibly a light source (see module)."""
    chroma = _chroma(illuminant)
    warm, green = float(chroma @ _WARM_AXIS), float(chroma @ _GREEN_AXIS)
    warm_kept = _shrink(warm, WARM_TOLERANCE if warm > 0 else COOL_TOLERANCE)
    green_kept = _shrink(green, GREEN_TOLERANCE if green > 0 else MAGENTA_TOLERANCE)
    kept = warm_kept * _WARM_AXIS + green_kept * _GREEN_AXIS
    size = float(np.linalg.norm(kept))
    if size > MAX_CORRECTION:
        kept *= MAX_CORRECTION / size
    notes = []
    if warm_kept != warm:
        notes.append(f"temperature {warm:+.2f} -> {warm_kept:+.2f}")
    if green_kept != green:
        notes.append(f"tint {green:+.2f} -> {green_kept:+.2f}")
    applied = np.array([math.exp(kept[0]), 1.0, math.exp(kept[1])])
    return applied, ("held back: " + ", ".join(notes)) if notes else ""


def _triple(values: Any) -> tuple[float, float, float]:
    r, g, b = (round(float(v), 6) for v in values)
    return (r, g, b)


def _gray_world(linear: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Mean of the valid pixels (Buchsbaum 1980)."""
    return linear[valid].mean(axis=0, dtype=np.float64)


def _shades_of_gray(linear: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Minkowski p-norm of the valid pixels; p = 6 (Finlayson & Trezzi 2004)."""
    values = linear[valid].astype(np.float64)
    return np.mean(values**MINKOWSKI_P, axis=0) ** (1.0 / MINKOWSKI_P)


def _white_patch(linear: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """A high percentile per channel: robust max-RGB (Land's retinex white patch)."""
    return np.percentile(linear[valid], WHITE_PATCH_PERCENTILE, axis=0)


def _gray_edge(linear: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Minkowski norm of Gaussian-smoothed gradient magnitude (van de Weijer et al. 2007).

    Edges next to clipped or black pixels are dropped by eroding the valid mask.
    """
    smooth = cv2.GaussianBlur(linear, (0, 0), GRAY_EDGE_SIGMA)
    dx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
    dy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    magnitude = np.sqrt(dx * dx + dy * dy, dtype=np.float32)
    inner = cv2.erode(valid.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    if inner.sum() < 100:
        inner = valid
    values = magnitude[inner].astype(np.float64)
    return np.mean(values**MINKOWSKI_P, axis=0) ** (1.0 / MINKOWSKI_P)


_ESTIMATORS = {
    "gray-world": _gray_world,
    "shades-of-gray": _shades_of_gray,
    "white-patch": _white_patch,
    "gray-edge": _gray_edge,
}
