"""``GET /runs/{id}/events``: a run's state and progress as Server-Sent Events.

Each event carries ``id:`` (its id in the run's stream, ``<seq>-<n>``), ``event:`` (``run``,
``step`` or ``progress``) and ``data:`` (JSON). A client that reconnects with
``Last-Event-ID`` (or ``?last_event_id=``, for EventSource polyfills that cannot set headers)
receives everything after it; the stream ends with an ``end`` event once the run has ended.
The operation is asynchronous: a waiting client holds no worker thread.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Router

from remedia.executor.live import LiveSettings

from .event_settings import EventStreamSettings
from .event_stream import BadEventId, LiveSource, RunEventStream, StreamPosition

router = Router(tags=["runs"])

_sources: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LiveSource] = (
    weakref.WeakKeyDictionary()
)


def live_source() -> LiveSource:
    """This event loop's LiveSource (an asyncio Redis client belongs to one loop)."""
    loop = asyncio.get_running_loop()
    source = _sources.get(loop)
    if source is None:
        source = _sources[loop] = LiveSource(LiveSettings(), EventStreamSettings())
    return source


def problem(status: int, title: str, detail: str) -> HttpResponse:
    """An RFC 9457 problem document."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")


def _run_owner(run_id: str) -> tuple[bool, int | None]:
    from remedia.executor.store.models import FlowRun

    found = FlowRun.objects.filter(id=run_id).values_list("owner_id", flat=True)[:1]
    rows = list(found)
    return (bool(rows), rows[0] if rows else None)


run_owner = sync_to_async(_run_owner)


async def visible_run(request: HttpRequest, run_id: str) -> HttpResponse | None:
    """None when the caller may watch the run, else the problem to answer with.

    Only the run's owner and staff see a run; anyone else is told it does not exist, so run
    ids cannot be probed.
    """
    user = await request.auser()
    if not user.is_authenticated:
        return problem(401, "Unauthorized", "sign in or send an API token to watch a run")
    exists, owner_id = await run_owner(run_id)
    if not exists or not (user.is_staff or owner_id == user.pk):
        return problem(404, "Not Found", f"no run {run_id!r}")
    return None


@router.get(
    "/{run_id}/events",
    operation_id="run_events",
    summary="Follow a run's state and progress (Server-Sent Events)",
    response={200: Any},
    openapi_extra={
        "parameters": [
            {
                "in": "header",
                "name": "Last-Event-ID",
                "required": False,
                "schema": {"type": "string", "pattern": r"^\d+-\d+$"},
                "description": "Resume after this event id (sent by EventSource on reconnect).",
            }
        ],
        "responses": {
            "200": {
                "description": "An event stream; it ends with an `end` event when the run ends.",
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
            }
        },
    },
)
async def run_events(
    request: HttpRequest, run_id: str, last_event_id: str | None = None
) -> HttpResponse:
    refused = await visible_run(request, run_id)
    if refused is not None:
        return refused
    try:
        position = StreamPosition.parse(request.headers.get("Last-Event-ID") or last_event_id)
    except BadEventId as exc:
        return problem(400, "Bad Request", str(exc))
    stream = RunEventStream(live_source(), run_id, position)
    response = StreamingHttpResponse(stream.frames(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response
