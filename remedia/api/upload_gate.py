"""UploadGate: the ASGI server refuses a body past the upload limit before Django reads it.

Django's ASGI handler reads a whole request body (spooling it to a temporary file) before any
view runs, so a 20 GB upload would fill the disk before ``UploadSizeLimit`` could say no. This
wrapper answers 413 at once when ``Content-Length`` is too large, and cuts a body that grows
past the limit without one (chunked), so at most the limit is ever read.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .problems import PROBLEM_MEDIA_TYPE, TYPE_PREFIX
from .upload_limit import FORM_OVERHEAD_BYTES

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "type": TYPE_PREFIX + "payload-too-large",
            "title": "Payload too large",
            "status": 413,
            "detail": (
                f"the request body is larger than the upload limit of {limit} bytes; send a "
                "smaller file or ask the operator to raise REMEDIA_API_MAX_UPLOAD_BYTES"
            ),
        }
    ).encode()
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class UploadGate:
    """Wraps an ASGI app; ``limit()`` is read per request, so tests and settings can change it."""

    def __init__(self, app: App, limit: Callable[[], int]) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit()
        allowed = limit + FORM_OVERHEAD_BYTES
        declared = _content_length(scope)
        if declared is not None and declared > allowed:
            await _refuse(send, limit)
            return
        received = 0
        cut = False

        async def counted() -> Message:
            nonlocal received, cut
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > allowed:
                    cut = True
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, counted, send)
        if cut:  # Django saw a disconnect and answered nothing
            await _refuse(send, limit)


def upload_limit() -> int:
    from .runtime import runtime

    return runtime().settings.max_upload_bytes
