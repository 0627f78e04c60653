"""UploadSizeLimit: refuse an upload past ``REMEDIA_API_MAX_UPLOAD_BYTES`` while it streams.

Django runs this handler before the one that spools files to disk. It refuses at once when
the declared Content-Length is already too large, and otherwise counts bytes as they pass and
stops the file past the limit, so an oversized upload is never stored, whole or in part. The
refusal is raised as a 413 problem wherever the body happens to be parsed first (the CSRF
check, or the handler's own parameters).
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler

from .problems import PayloadTooLarge
from .runtime import runtime

#: Room for the multipart boundaries and the small form fields sent beside the file.
FORM_OVERHEAD_BYTES = 64 * 1024


def _refuse(request: Any, limit: int, seen: str) -> PayloadTooLarge:
    detail = (
        f"the upload is larger than the limit of {limit} bytes ({seen}); "
        "send a smaller file or ask the operator to raise REMEDIA_API_MAX_UPLOAD_BYTES"
    )
    if request is not None:
        request.upload_refused = detail
    return PayloadTooLarge(detail)


class UploadSizeLimit(FileUploadHandler):
    """Counts each file's bytes and refuses the request past the configured limit."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = runtime().settings.max_upload_bytes
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: bytes,
        encoding: str | None = None,
    ) -> None:
        if content_length and content_length > self.limit + FORM_OVERHEAD_BYTES:
            raise _refuse(self.request, self.limit, f"Content-Length is {content_length}")

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            raise _refuse(self.request, self.limit, f"more than {self.limit} bytes were sent")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
