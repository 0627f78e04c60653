"""LiveReader: what the API reads from Redis: a run's snapshot and its events after an id.

Reads raise redis errors instead of hiding them: the API answers from the database when
Redis is unavailable, and rebuilds the snapshot (``LivePublisher.rebuild``) when it is missing.
The parsing is kept in plain functions so an asyncio client can share it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from redis import Redis

from . import codec
from .connection import connect
from .keys import RunKeys
from .scripts import Scripts
from .settings import LiveSettings
from .snapshot import RunSnapshot, merge_snapshot

Entry = tuple[str, dict[str, str]]


@dataclass(frozen=True)
class StreamEvent:
    """One event of a run's stream: its id (the SSE ``id:``) and its JSON (the ``data:``)."""

    id: str
    raw: str

    @cached_property
    def data(self) -> dict[str, Any]:
        return json.loads(self.raw)

    @property
    def is_state(self) -> bool:
        """State events have ids ``<seq>-0``; progress events ``<seq>-<n>`` with n >= 1."""
        return self.id.endswith("-0")


def parse_entries(entries: list[Entry]) -> list[StreamEvent]:
    return [StreamEvent(id=entry_id, raw=values[codec.EVENT_FIELD]) for entry_id, values in entries]


class LiveReader:
    """Reads one deployment's live data; give it a client made with ``block_ms`` >= the
    longest blocking read it will do (``LiveReader.from_settings`` does)."""

    def __init__(self, client: Redis, settings: LiveSettings | None = None) -> None:
        self.client = client
        self.settings = settings or LiveSettings()
        self._release = Scripts(client).release

    @classmethod
    def from_settings(cls, settings: LiveSettings, *, block_ms: int = 15_000) -> LiveReader:
        return cls(connect(settings, block_ms=block_ms, name="remedia-live-reader"), settings)

    def keys(self, run_id: str) -> RunKeys:
        return RunKeys.of(self.settings.key_prefix, run_id)

    def snapshot(self, run_id: str) -> RunSnapshot | None:
        """The run's snapshot and the id to stream from, read atomically in one round trip.

        None means Redis has no (complete) snapshot: answer from the database and rebuild.
        """
        keys = self.keys(run_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.hgetall(keys.snapshot)
        pipe.xrevrange(keys.stream, count=1)
        fields, newest = pipe.execute()
        return merge_snapshot(fields, newest[0][0] if newest else "0")

    def snapshots(self, run_ids: Sequence[str]) -> list[RunSnapshot | None]:
        """The snapshots of several runs in one round trip, in the order asked for; a list
        of runs shows their progress without a read per run. Stream positions are not read
        (``last_event_id`` is "0"): a list is not followed by an event stream."""
        if not run_ids:
            return []
        pipe = self.client.pipeline(transaction=False)
        for run_id in run_ids:
            pipe.hgetall(self.keys(run_id).snapshot)
        return [merge_snapshot(fields, "0") for fields in pipe.execute()]

    def events(
        self, run_id: str, after: str = "0", *, block_ms: int | None = None, count: int = 500
    ) -> list[StreamEvent]:
        """Events with ids greater than ``after`` (an SSE Last-Event-ID), oldest first.

        With ``block_ms``, waits up to that long for the first one (XREAD BLOCK) and returns
        an empty list on timeout. An idle wait also releases events held for a predecessor
        that never came, so a reader is never stuck behind a lost publish.
        """
        keys = self.keys(run_id)
        reply = self.client.xread({keys.stream: after}, count=count, block=block_ms)
        if reply:
            return parse_entries(_entries(reply))
        if block_ms is not None:
            self._release_held(keys)
        return []

    def _release_held(self, keys: RunKeys) -> None:
        args = [self.settings.stream_maxlen, self.settings.gap_timeout_ms]
        self._release(keys=keys.all(), args=args)


def _entries(reply: Any) -> list[Entry]:
    # One stream asked for, RESP2 (``connect`` uses it): [[stream, [(id, fields), ...]]].
    return reply[0][1]
