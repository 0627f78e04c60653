"""``GET /runs/{id}/events``: a run's state and progress as Server-Sent Events.

Each event carries ``id:`` (its id in the run's stream, ``<seq>-<n>``), ``event:`` (``run``,
``step`` or ``progress``) and ``data:`` (JSON). A client that reconnects with
``Last-Event-ID`` (or ``?last_event_id=``, for EventSource polyfills that cannot set headers)
receives everything after it; the stream ends with an ``end`` event once the run has ended.
The operation is asynchronous: a waiting client holds no worker thread.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Router

from remedia.executor.live import LiveSettings

from .access import run_for
from .auth import api_auth
from .event_settings import EventStreamSettings
from .event_stream import BadEventId, LiveSource, RunEventStream, StreamPosition
from .ids import RunId
from .problems import ApiProblem, Problem

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


# The owner check reads the database: in a thread, never on the event loop.
visible_run = sync_to_async(run_for)


@router.get(
    "/{run_id}/events",
    auth=api_auth,
    summary="Follow a run's state and progress (Server-Sent Events)",
    response={200: Any, 400: Problem, 401: Problem, 403: Problem, 404: Problem},
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
    request: HttpRequest, run_id: RunId, last_event_id: str | None = None
) -> HttpResponse:
    """Each event has ``id:`` (``<seq>-<n>``), ``event:`` (``run``, ``step`` or ``progress``)
    and ``data:`` (JSON); a comment line comes every 15 s without one, and ``end`` closes the
    stream once the run has ended. Send ``Last-Event-ID`` to resume after an event. Only the
    run's owner and staff may follow it; anyone else gets 404, as for a run that does not exist.
    """
    await visible_run(request.auth, run_id)
    try:
        position = StreamPosition.parse(request.headers.get("Last-Event-ID") or last_event_id)
    except BadEventId as exc:
        raise ApiProblem(str(exc)) from None
    stream = RunEventStream(live_source(), run_id, position)
    response = StreamingHttpResponse(stream.frames(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response
