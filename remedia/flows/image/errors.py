"""MediaError: bad input media, reported as a code plus a message that says what to do.

Correction steps raise it for problems with the *file* (empty, truncated, too large, a format we
do not read). It subclasses the flow language's ``StepFailure`` so the executor shows the message
without a traceback and does not retry: the same bytes fail the same way again.
"""

from __future__ import annotations

from typing import Literal

from remedia.flows.errors import StepFailure

MediaErrorCode = Literal[
    "empty_file",
    "unsupported_format",
    "corrupt_file",
    "truncated_file",
    "too_many_pixels",
    "file_too_large",
    "unsupported_option",
]


class MediaError(StepFailure):
    """The input media cannot be processed; ``code`` is stable, the message is for people.

    Args:
        code: machine-readable reason, one of ``MediaErrorCode``.
        message: what is wrong with the file and what the user can do about it.
    """

    code: MediaErrorCode

    def __init__(self, code: MediaErrorCode, message: str) -> None:
        super().__init__(message, code=code)
        self.code = code

    def __repr__(self) -> str:
        return f"MediaError({self.code!r}, {str(self)!r})"


def megapixels(width: int, height: int) -> str:
    """Format a pixel count for messages, e.g. ``20000x20000 = 400 MP``."""
    return f"{width}x{height} = {width * height / 1e6:.0f} MP"
