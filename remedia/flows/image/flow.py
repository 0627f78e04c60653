"""``image.correct`` v1: decode, white balance, exposure, optional local steps, encode + preview.

The DAG depends only on the parameters: optional steps appear only when enabled, so the UI
draws exactly the steps that will run. The order follows MEDIA.md section 3, with one change:
a requested shrink runs right after decoding, because the deliverable is then small, every
later step gets cheaper, and area averaging itself removes some noise.
"""

from __future__ import annotations

from typing import Any

from remedia.flows import Artifact, flow

from .params import ImageCorrectParams
from .steps import (
    analyse_exposure,
    analyse_white_balance,
    apply_tone,
    decode,
    denoise,
    encode,
    local_contrast,
    preview,
    resize,
)


@flow(name="image.correct", version=1)
def correct_image(source: Artifact, params: ImageCorrectParams) -> dict[str, Any]:
    """Correct colour cast and exposure of a photo; optionally contrast, noise and size."""
    keep = params.metadata == "keep"
    decoded = decode(
        source,
        max_megapixels=params.max_megapixels,
        max_file_megabytes=params.max_file_megabytes,
        keep_metadata=keep,
    )
    pixels = decoded["pixels"]
    if params.max_long_edge is not None:
        pixels = resize(pixels, long_edge=params.max_long_edge, method=params.resize_filter)
    balance = None
    if params.white_balance:
        balance = analyse_white_balance(pixels, method=params.white_balance_method)
    levels = analyse_exposure(pixels, balance=balance) if params.auto_exposure else None
    if balance is not None or levels is not None:
        pixels = apply_tone(pixels, balance=balance, levels=levels)
    if params.local_contrast:
        pixels = local_contrast(
            pixels, clip_limit=params.local_contrast_limit, space=params.local_contrast_space
        )
    if params.denoise:
        pixels = denoise(pixels, strength=params.denoise_strength)
    image = encode(
        pixels,
        metadata=decoded["metadata"],
        output_format=params.format,
        quality=params.quality,
        keep_metadata=keep,
    )
    return {"image": image, "preview": preview(pixels, long_edge=params.preview_long_edge)}
