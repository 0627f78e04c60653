"""Flow inputs: a local file copied into storage once, under a key named by its content.

Inputs are content-addressed (``inputs/<sha256>/<name>``) so that submitting the same file
twice stores it once, and the step cache recognises it by digest without reading it again.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from remedia.flows import Artifact
from remedia.storage import Storage
from remedia.storage.base import sha256_file

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A file name that is a valid single storage key part, keeping the suffix readable."""
    cleaned = _UNSAFE.sub("_", Path(name).name).strip("._") or "input"
    return cleaned[-120:]


def ingest_file(storage: Storage, path: Path, *, media_type: str | None = None) -> Artifact:
    """Store ``path`` as a flow input (once per content) and return its Artifact."""
    digest, size = sha256_file(path)
    key = f"inputs/{digest[:2]}/{digest}/{safe_name(path.name)}"
    if not storage.exists(key):
        storage.put_file(key, path)
    guessed = mimetypes.guess_type(path.name)[0]
    return Artifact(
        key=key,
        digest=digest,
        size=size,
        media_type=media_type or guessed or "application/octet-stream",
        name=path.name,
    )
