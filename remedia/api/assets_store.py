"""Storing an upload: sniff its type, digest it, and copy it into storage by content.

The uploaded file is already on disk (Django's upload handlers spool it there), so nothing
here holds more than one chunk of it in memory.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from remedia.executor.inputs import safe_name
from remedia.storage import Storage
from remedia.storage.base import CHUNK

from .media_types import SNIFF_BYTES, SUPPORTED, detect
from .models import Asset
from .problems import PayloadTooLarge, Unprocessable, UnsupportedMediaType


def _digest(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def store_upload(user: Any, upload: UploadedFile, storage: Storage, limit: int) -> Asset:
    """Check and store ``upload`` for ``user``; 4xx problems say what was wrong with it."""
    size = upload.size or 0
    name = upload.name or "upload"
    if size == 0:
        raise Unprocessable(f"the file '{name}' is empty: choose a file with content")
    if size > limit:
        raise PayloadTooLarge(f"the file is {size} bytes, more than the limit of {limit} bytes")
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    detected = detect(head)
    if detected is None:
        raise UnsupportedMediaType(
            f"the content of '{name}' is not a supported media file, whatever its name says; "
            f"supported: {SUPPORTED}"
        )
    digest = _digest(upload)
    stem = Path(safe_name(name)).stem or "upload"
    key = f"inputs/{digest[:2]}/{digest}/{stem}{detected.suffix}"
    if not storage.exists(key):
        upload.seek(0)
        storage.put(key, upload)
    return Asset.objects.create(
        id=uuid.uuid4().hex,
        owner=user,
        name=name[:255],
        key=key,
        digest=digest,
        size=size,
        media_type=detected.media_type,
        kind=detected.kind.value,
    )
