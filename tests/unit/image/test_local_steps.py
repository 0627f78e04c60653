"""Optional local steps: CLAHE, noise-gated denoise, and long-edge resize, on real photos."""

from __future__ import annotations

import numpy as np
from skimage.metrics import peak_signal_noise_ratio

from remedia.flows.image.contrast import local_contrast
from remedia.flows.image.denoise import denoise, estimate_sigma
from remedia.flows.image.resize import resize_long_edge

from .photos import photo


def rms_contrast(pixels: np.ndarray) -> float:
    return float(pixels.mean(axis=2).std())


def test_clahe_raises_local_contrast_of_a_flat_photo() -> None:
    flat = (photo("coffee") * 0.5 + 64).astype(np.uint8)
    for space in ("lab", "hsv"):
        result = local_contrast(flat, clip_limit=2.0, space=space)  # type: ignore[arg-type]
        assert result.shape == flat.shape
        assert rms_contrast(result) > 1.2 * rms_contrast(flat)


def test_denoise_leaves_a_clean_photo_untouched() -> None:
    clean = photo("astronaut")
    result, report = denoise(clean)
    assert not report.filtered
    assert result is clean or np.array_equal(result, clean)


def test_denoise_brings_a_noisy_photo_closer_to_the_original() -> None:
    original = photo("astronaut")
    noise = np.random.default_rng(7).normal(0, 12, original.shape)
    noisy = np.clip(original + noise, 0, 255).astype(np.uint8)
    result, report = denoise(noisy)
    assert report.filtered
    assert 6 <= report.sigma <= 16
    assert peak_signal_noise_ratio(original, result) > peak_signal_noise_ratio(original, noisy) + 2
    assert estimate_sigma(result) < 0.7 * estimate_sigma(noisy)


def test_resize_fits_the_long_edge_and_keeps_the_aspect_ratio() -> None:
    pixels = photo("coffee")  # 400 x 600
    for method in ("area", "lanczos"):
        small = resize_long_edge(pixels, 300, method=method)  # type: ignore[arg-type]
        assert small.shape == (200, 300, 3)


def test_resize_never_enlarges() -> None:
    pixels = photo("chelsea")
    assert resize_long_edge(pixels, 4000).shape == pixels.shape
