"""ImageCorrectParams: the parameters of ``image.correct``, which are also its API schema and form.

Every field has a description, bounds and a default, so the JSON schema alone is enough for the
UI to render a form and for the API to refuse a bad request before a run is created.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .contrast import ContrastSpace
from .encode import OutputFormat
from .resize import ResizeFilter
from .white_balance import DEFAULT_WHITE_BALANCE, WhiteBalanceMethod


class ImageCorrectParams(BaseModel):
    """How to correct one photo."""

    model_config = ConfigDict(extra="forbid")

    white_balance: bool = Field(
        default=True, description="Remove colour casts (tungsten, shade, fluorescent light)."
    )
    white_balance_method: WhiteBalanceMethod = Field(
        default=DEFAULT_WHITE_BALANCE,
        description="Illuminant estimator; the default was the most accurate in our tests.",
    )
    auto_exposure: bool = Field(
        default=True, description="Stretch levels and lift dark mid-tones towards mid-grey."
    )
    local_contrast: bool = Field(
        default=False, description="Boost local contrast with CLAHE (lightness only)."
    )
    local_contrast_limit: float = Field(
        default=2.0, ge=1.0, le=8.0, description="CLAHE clip limit: higher is stronger."
    )
    local_contrast_space: ContrastSpace = Field(
        default="lab", description="Lightness channel for CLAHE: L* of Lab, or V of HSV."
    )
    denoise: bool = Field(
        default=False, description="Reduce noise when some is measured (bilateral filter)."
    )
    denoise_strength: float = Field(
        default=1.0, ge=0.25, le=4.0, description="Denoise strength: 1 removes the noise measured."
    )
    max_long_edge: int | None = Field(
        default=None,
        ge=16,
        le=65_535,
        description="Shrink so the longer side is at most this many pixels; empty keeps size.",
    )
    resize_filter: ResizeFilter = Field(
        default="area", description="Shrinking filter: area (smooth) or lanczos (sharper)."
    )
    format: OutputFormat = Field(default="jpeg", description="Output file format.")
    quality: int = Field(
        default=90, ge=1, le=100, description="JPEG/WebP quality (ignored for PNG)."
    )
    metadata: Literal["strip", "keep"] = Field(
        default="strip",
        description="strip: no EXIF, GPS, XMP or profile; keep: EXIF and XMP plus an sRGB profile.",
    )
    preview_long_edge: int = Field(
        default=512, ge=64, le=2048, description="Longer side of the preview JPEG, in pixels."
    )
    max_megapixels: float = Field(
        default=100.0, ge=0.01, le=1000.0, description="Refuse larger images before decoding."
    )
    max_file_megabytes: float = Field(
        default=200.0, ge=0.01, le=4096.0, description="Refuse larger files before decoding."
    )
