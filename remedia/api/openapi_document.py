"""The committed OpenAPI document: ``remedia/api/openapi.json``, the UI's typed contract.

``scripts/openapi`` rewrites it from the code; a test fails when the served document and the
committed file differ, so a change to the contract is always a reviewed diff.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

COMMITTED = Path(__file__).with_name("openapi.json")


def current_document() -> dict[str, Any]:
    """The document the API serves at ``/api/v1/openapi.json``."""
    from remedia.config.django_setup import setup_django

    setup_django()
    from .app import api

    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the document (default) or, with ``--check``, fail when the file is stale."""
    args = sys.argv[1:] if argv is None else argv
    text = render(current_document())
    if "--check" in args:
        if not COMMITTED.exists() or COMMITTED.read_text() != text:
            sys.stderr.write(f"{COMMITTED} is stale: run scripts/openapi and commit it\n")
            return 1
        return 0
    COMMITTED.write_text(text)
    sys.stdout.write(f"wrote {COMMITTED}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
