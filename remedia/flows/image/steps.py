"""The steps of ``image.correct``: thin wrappers that read artifacts, call a pure function, save.

Each step reads its input pixels from storage and writes its output there (``pixels.py``), so
any step can run in another process or on another machine. Analyse steps return small JSON
(gains, levels) instead of pixels, which is what lets ``apply_tone`` do white balance, levels
and gamma in one LUT pass. Steps that would not change the image return their input artifact
unchanged rather than copying it.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from remedia.flows import Artifact, StepContext, step

from . import exposure, tone, white_balance
from .contrast import ContrastSpace
from .contrast import local_contrast as equalise
from .decode import decode_image
from .denoise import denoise as denoise_pixels
from .encode import MEDIA_TYPES, SUFFIXES, OutputFormat, encode_image
from .pixels import load_pixels, save_pixels
from .probe import Limits
from .resize import ResizeFilter, fitted_size, resize_long_edge

STEP_OPTIONS: dict[str, Any] = {"retries": 1, "timeout": "5m", "cache": True}


@step(name="image.decode", **STEP_OPTIONS)
def decode(
    ctx: StepContext,
    source: Artifact,
    max_megapixels: float = 100.0,
    max_file_megabytes: float = 200.0,
    keep_metadata: bool = False,
) -> dict[str, Any]:
    """Decode any JPEG, PNG, TIFF or WebP into upright sRGB pixels, refusing bombs first."""
    limits = Limits(max_pixels=int(max_megapixels * 1e6), max_bytes=int(max_file_megabytes * 2**20))
    ctx.progress(0, 2, "decoding")
    decoded = decode_image(ctx.open(source), limits)
    ctx.progress(1, 2, "saving pixels")
    metadata = None
    if keep_metadata and (decoded.exif or decoded.xmp):
        blobs = {k: base64.b64encode(v).decode() for k, v in _metadata(decoded).items()}
        metadata = ctx.save(json.dumps(blobs).encode(), name="metadata", suffix=".json")
    pixels = save_pixels(ctx, decoded.pixels)
    height, width = decoded.pixels.shape[:2]
    ctx.progress(2, 2, "decoded")
    return {
        "pixels": pixels,
        "metadata": metadata,
        "width": width,
        "height": height,
        "source_format": decoded.source_format,
        "notes": decoded.notes,
    }


@step(name="image.analyse_white_balance", **STEP_OPTIONS)
def analyse_white_balance(
    ctx: StepContext,
    image: Artifact,
    method: white_balance.WhiteBalanceMethod = white_balance.DEFAULT_WHITE_BALANCE,
) -> dict[str, Any]:
    """Estimate the illuminant on a <= 1 MP view and return the gains that neutralise it."""
    pixels = load_pixels(ctx, image)
    return white_balance.estimate_gains(pixels, method, progress=ctx.progress).to_dict()


@step(name="image.analyse_exposure", **STEP_OPTIONS)
def analyse_exposure(
    ctx: StepContext, image: Artifact, balance: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Levels and gamma for the image as it will be once the white-balance gains are applied."""
    pixels = load_pixels(ctx, image)
    gains = _gains(balance)
    return exposure.estimate_levels(pixels, gains, progress=ctx.progress).to_dict()


@step(name="image.apply_tone", **STEP_OPTIONS)
def apply_tone(
    ctx: StepContext,
    image: Artifact,
    balance: dict[str, Any] | None = None,
    levels: dict[str, Any] | None = None,
) -> Artifact:
    """White balance, levels and gamma in a single 3x256 LUT pass over the pixels."""
    chosen = exposure.Levels.from_dict(levels) if levels else exposure.Levels()
    gains = _gains(balance)
    if chosen.is_identity and gains == (1.0, 1.0, 1.0):
        return image
    pixels = load_pixels(ctx, image)
    return save_pixels(ctx, tone.apply_tone(pixels, gains, chosen, progress=ctx.progress))


@step(name="image.local_contrast", **STEP_OPTIONS)
def local_contrast(
    ctx: StepContext,
    image: Artifact,
    clip_limit: float = 2.0,
    space: ContrastSpace = "lab",
) -> Artifact:
    """CLAHE on lightness, for flat, hazy or backlit photos."""
    ctx.progress(0, 1, "equalising local contrast")
    pixels = load_pixels(ctx, image)
    result = equalise(pixels, clip_limit=clip_limit, space=space)
    ctx.progress(1, 1)
    return save_pixels(ctx, result)


@step(name="image.denoise", **STEP_OPTIONS)
def denoise(ctx: StepContext, image: Artifact, strength: float = 1.0) -> Artifact:
    """Measure noise and filter it only when there is some: clean photos pass untouched."""
    ctx.progress(0, 1, "measuring noise")
    pixels = load_pixels(ctx, image)
    result, report = denoise_pixels(pixels, strength=strength)
    ctx.log.info("noise sigma %.2f, filtered: %s", report.sigma, report.filtered)
    ctx.progress(1, 1, f"noise sigma {report.sigma:.1f}")
    return save_pixels(ctx, result) if report.filtered else image


@step(name="image.resize", **STEP_OPTIONS)
def resize(
    ctx: StepContext, image: Artifact, long_edge: int, method: ResizeFilter = "area"
) -> Artifact:
    """Shrink to fit the long edge (never enlarge); early in the chain so later steps are cheap."""
    pixels = load_pixels(ctx, image)
    height, width = pixels.shape[:2]
    if fitted_size(width, height, long_edge) == (width, height):
        return image
    ctx.progress(0, 1, "resizing")
    return save_pixels(ctx, resize_long_edge(pixels, long_edge, method=method))


@step(name="image.encode", **STEP_OPTIONS)
def encode(
    ctx: StepContext,
    image: Artifact,
    metadata: Artifact | None = None,
    output_format: OutputFormat = "jpeg",
    quality: int = 90,
    keep_metadata: bool = False,
) -> Artifact:
    """Encode the deliverable; metadata is carried over only when asked to keep it."""
    ctx.progress(0, 1, f"encoding {output_format}")
    pixels = load_pixels(ctx, image)
    blobs = _load_metadata(ctx, metadata) if keep_metadata else {}
    data = encode_image(
        pixels, output_format, quality=quality, keep_metadata=keep_metadata, **blobs
    )
    ctx.progress(1, 1)
    suffix = SUFFIXES[output_format]
    return ctx.save(data, name="image", suffix=suffix, media_type=MEDIA_TYPES[output_format])


@step(name="image.preview", **STEP_OPTIONS)
def preview(ctx: StepContext, image: Artifact, long_edge: int = 512) -> Artifact:
    """A small JPEG for lists and before/after views, with no metadata."""
    pixels = load_pixels(ctx, image)
    small = resize_long_edge(pixels, long_edge, method="area")
    data = encode_image(small, "jpeg", quality=82)
    return ctx.save(data, name="preview", suffix=".jpg", media_type="image/jpeg")


def _gains(balance: dict[str, Any] | None) -> tuple[float, float, float]:
    if not balance:
        return (1.0, 1.0, 1.0)
    return white_balance.WhiteBalanceResult.from_dict(balance).gains


def _metadata(decoded: Any) -> dict[str, bytes]:
    return {k: v for k, v in (("exif", decoded.exif), ("xmp", decoded.xmp)) if v}


def _load_metadata(ctx: StepContext, metadata: Artifact | None) -> dict[str, bytes]:
    if metadata is None:
        return {}
    blobs = json.loads(ctx.open(metadata).read_text())
    return {k: base64.b64decode(v) for k, v in blobs.items() if k in ("exif", "xmp")}
