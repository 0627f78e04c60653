"""Cursor pagination over runs, newest first, by ``(created_at, id)``.

The cursor is the last row's ``(created_at, id)``, opaque to clients (base64 of JSON). A page
asks for rows strictly after it in that order, so runs submitted while a client pages through
land before its first page and never shift or repeat a later one.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from django.db.models import Q, QuerySet

from remedia.executor.store.models import FlowRun

from .problems import Unprocessable


def encode_cursor(run: FlowRun) -> str:
    raw = json.dumps([run.created_at.isoformat(), run.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, run_id = json.loads(raw)
        moment = dt.datetime.fromisoformat(created)
        if not isinstance(run_id, str) or moment.tzinfo is None:
            raise ValueError("not a cursor")
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Unprocessable(
            "the cursor is not one this API gave out: pass next_cursor from the previous page "
            "unchanged, or leave it out for the first page",
            errors=[{"loc": ["query", "cursor"], "msg": "invalid cursor", "type": "value_error"}],
        ) from None
    return moment, run_id


def page_of(
    runs: QuerySet[FlowRun], cursor: str | None, limit: int
) -> tuple[list[FlowRun], str | None]:
    """Up to ``limit`` runs after ``cursor``, and the cursor of the next page (None at the end)."""
    ordered = runs.order_by("-created_at", "-id")
    if cursor:
        created, run_id = decode_cursor(cursor)
        ordered = ordered.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=run_id))
    rows = list(ordered[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1]) if more and rows else None
