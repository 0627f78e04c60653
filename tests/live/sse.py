"""A small Server-Sent Events reader over httpx, as a browser's EventSource reads a stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class SseEvent:
    """One event (``kind`` is its ``event:`` field), or a comment line (``kind == ":"``)."""

    kind: str
    data: str = ""
    id: str | None = None

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.data)

    @property
    def seq(self) -> int:
        assert self.id is not None
        return int(self.id.split("-")[0])

    @property
    def position(self) -> tuple[int, int]:
        assert self.id is not None
        seq, n = self.id.split("-")
        return int(seq), int(n)


def parse_stream(lines: Iterator[str]) -> Iterator[SseEvent]:
    """Events as they complete (at each blank line); comments are yielded as they come."""
    fields: dict[str, str] = {}
    for line in lines:
        if line == "":
            if "event" in fields or "data" in fields:
                yield SseEvent(
                    fields.get("event", "message"), fields.get("data", ""), fields.get("id")
                )
            fields = {}
        elif line.startswith(":"):
            yield SseEvent(":", line[1:].strip())
        else:
            name, _, value = line.partition(":")
            fields[name] = value[1:] if value.startswith(" ") else value


def follow(
    client: httpx.Client,
    url: str,
    *,
    last_event_id: str | None = None,
    limit: int | None = None,
    comments: bool = False,
    timeout: float = 120.0,
) -> list[SseEvent]:
    """Read events until the server closes the stream (or ``limit`` events were read)."""
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    events: list[SseEvent] = []
    with client.stream("GET", url, headers=headers, timeout=timeout) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for event in parse_stream(response.iter_lines()):
            if event.kind == ":" and not comments:
                continue
            events.append(event)
            if limit is not None and len(events) >= limit:
                break
    return events
