"""RunEventStream: one client's view of a run's events, from Redis with the database behind it.

The Redis stream is fast but may lose events at any time (a flush, a restart, trimming); the
database's numbered event rows never do. So the stream is followed with a blocking XREAD, and
any state event the stream lacks (its ``seq`` is skipped) is read from the database before
the event that revealed the gap. When the run's snapshot is gone the stream is rebuilt from
the database; when Redis does not answer, the database is polled until it does. Progress
events are the only thing that can be missed, and they are superseded by the next report.

Everything here is asynchronous (``redis.asyncio``), so a waiting client holds no thread;
only the database reads and the rare rebuild run in Django's thread pool.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from redis import RedisError
from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from remedia.executor.live import LivePublisher, LiveSettings, RunKeys, StateEvent, codec, connect
from remedia.executor.live.scripts import RELEASE
from remedia.executor.states import RUN_TERMINAL

from .event_settings import EventStreamSettings

_EVENT_ID = re.compile(r"^(\d{1,18})-(\d{1,18})$")


class BadEventId(ValueError):
    """A Last-Event-ID that is not a stream id ``<seq>-<n>``."""


@dataclass(frozen=True)
class StreamPosition:
    """Where a client is: the last stream id it received, and the last state event's seq."""

    id: str = "0-0"
    seq: int = 0

    @classmethod
    def parse(cls, raw: str | None) -> StreamPosition:
        """Read a Last-Event-ID; an empty one means "from the start"."""
        if raw is None or not raw.strip():
            return cls()
        match = _EVENT_ID.match(raw.strip())
        if match is None:
            raise BadEventId(f"Last-Event-ID {raw[:40]!r} is not an event id such as 12-0")
        return cls(id=raw.strip(), seq=int(match.group(1)))


def sse_frame(kind: str, data: str, event_id: str | None = None) -> bytes:
    """One Server-Sent Event; ``data`` is compact JSON, so it is a single line."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {data}\n\n".encode()


def _seq_of(event_id: str) -> tuple[int, int]:
    seq, _, n = event_id.partition("-")
    return int(seq), int(n or 0)


class LiveSource:
    """What every stream of one process shares: the async Redis client and the settings."""

    def __init__(self, live: LiveSettings, settings: EventStreamSettings) -> None:
        self.live = live
        self.settings = settings
        timeout = live.socket_timeout_seconds
        self.client = Redis.from_url(
            live.redis_url,
            socket_timeout=timeout + settings.poll_ms / 1000,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
            decode_responses=True,
            client_name="remedia-api-events",
        )
        self._release = self.client.register_script(RELEASE)
        self._publisher: LivePublisher | None = None

    def keys(self, run_id: str) -> RunKeys:
        return RunKeys.of(self.live.key_prefix, run_id)

    def publisher(self) -> LivePublisher:
        """A synchronous publisher, made on first use, for the rare rebuild."""
        if self._publisher is None:
            self._publisher = LivePublisher(connect(self.live, name="remedia-api"), self.live)
        return self._publisher

    async def read(self, run_id: str, after: str, block_ms: int | None) -> list[tuple[str, str]]:
        reply = await self.client.xread(
            {self.keys(run_id).stream: after}, count=500, block=block_ms
        )
        if not reply:
            return []
        return [(entry_id, values[codec.EVENT_FIELD]) for entry_id, values in reply[0][1]]

    async def head(self, run_id: str) -> tuple[dict[str, Any] | None, int]:
        """The snapshot's run field (None when Redis lost the run) and its last released seq."""
        keys = self.keys(run_id)
        fields = [codec.RUN_FIELD, codec.SEQ_FIELD]
        raw_run, raw_seq = await self.client.hmget(keys.snapshot, fields)
        return (json.loads(raw_run) if raw_run else None), int(raw_seq or 0)

    async def release_held(self, run_id: str) -> None:
        args = [self.live.stream_maxlen, self.live.gap_timeout_ms]
        await self._release(keys=self.keys(run_id).all(), args=args)


# --- the database side (run in a thread) --------------------------------------------------


def _events_from_db(run_id: str, after: int, upto: int | None) -> list[StateEvent]:
    from remedia.executor.store.mirror import state_event
    from remedia.executor.store.models import FlowRunEvent

    rows = FlowRunEvent.objects.filter(run_id=run_id, seq__gt=after).order_by("seq")
    if upto is not None:
        rows = rows.filter(seq__lte=upto)
    return [state_event(row) for row in rows]


def _run_end(run_id: str) -> tuple[str, int] | None:
    """The run's state and last event seq, from the database; None if the run is gone."""
    from remedia.executor.store.models import FlowRun

    return FlowRun.objects.filter(id=run_id).values_list("state", "event_seq").first()


def _rebuild(source: LiveSource, run_id: str) -> None:
    from remedia.executor.store.mirror import LiveMirror

    LiveMirror(source.publisher()).rebuild(run_id)


events_from_db = sync_to_async(_events_from_db)
run_end = sync_to_async(_run_end)
rebuild = sync_to_async(_rebuild)


class RunEventStream:
    """Yields the SSE frames of one run for one client, from ``position`` to the run's end."""

    def __init__(self, source: LiveSource, run_id: str, position: StreamPosition) -> None:
        self.source = source
        self.run_id = run_id
        self.last_id = position.id
        self.seq = position.seq
        self.ended: str | None = None
        self._written_at = time.monotonic()

    async def frames(self) -> AsyncIterator[bytes]:
        settings = self.source.settings
        yield f"retry: {settings.retry_ms}\n\n".encode()
        block: int | None = None  # the first read does not wait: an idle check follows at once
        while self.ended is None:
            try:
                entries = await self.source.read(self.run_id, self.last_id, block)
                frames = await self._deliver(entries) if entries else await self._idle()
            except (RedisError, OSError):
                async for frame in self._from_database():
                    yield frame
                continue
            block = settings.poll_ms
            for frame in frames:
                yield frame
        yield sse_frame("end", json.dumps({"state": self.ended}, separators=(",", ":")))

    async def _deliver(self, entries: list[tuple[str, str]]) -> list[bytes]:
        frames: list[bytes] = []
        for entry_id, raw in entries:
            seq, n = _seq_of(entry_id)
            needed = seq if n else seq - 1
            if needed > self.seq:
                frames += await self._fill(needed)
            if n == 0 and seq <= self.seq:
                continue  # already sent from the database
            frames.append(self._frame(entry_id, raw))
        return self._written(frames)

    async def _fill(self, upto: int) -> list[bytes]:
        """The state events after ``self.seq`` up to ``upto`` that the stream no longer has."""
        frames = []
        for event in await events_from_db(self.run_id, self.seq, upto):
            frames.append(self._frame(f"{event.seq}-0", codec.encode_state_event(event)))
        return frames

    def _frame(self, entry_id: str, raw: str) -> bytes:
        data = json.loads(raw)
        kind = str(data.get("kind", "step"))
        seq, n = _seq_of(entry_id)
        if n == 0:
            self.seq = max(self.seq, seq)
        if entry_id_after(entry_id, self.last_id):
            self.last_id = entry_id
        if kind == "run" and data.get("state") in RUN_TERMINAL:
            self.ended = str(data["state"])
        return sse_frame(kind, raw, entry_id)

    async def _idle(self) -> list[bytes]:
        """Nothing new for a while: restore a lost stream, release held events, end, or beat."""
        run, released = await self.source.head(self.run_id)
        if run is None:
            await rebuild(self.source, self.run_id)
            run, released = await self.source.head(self.run_id)
        if run is not None and run.get("state") in RUN_TERMINAL and released <= self.seq:
            self.ended = str(run["state"])
            return []
        if run is None:  # the run is not in Redis even after a rebuild: ask the database
            frames = await self._end_from_database()
            if frames or self.ended:
                return self._written(frames)
        await self.source.release_held(self.run_id)
        if time.monotonic() - self._written_at >= self.source.settings.heartbeat_seconds:
            return self._written([b": heartbeat\n\n"])
        return []

    async def _end_from_database(self) -> list[bytes]:
        found = await run_end(self.run_id)
        if found is None:
            self.ended = "GONE"
            return []
        state, last_seq = found
        frames = await self._fill(last_seq) if last_seq > self.seq else []
        if state in RUN_TERMINAL:
            self.ended = state
        return frames

    async def _from_database(self) -> AsyncIterator[bytes]:
        """Redis is unreachable: send what the database has, then wait and try Redis again."""
        frames = await self._end_from_database()
        if frames:
            yield b"".join(self._written(frames))
        elif time.monotonic() - self._written_at >= self.source.settings.heartbeat_seconds:
            yield self._written([b": heartbeat\n\n"])[0]
        if self.ended is None:
            await asyncio.sleep(self.source.settings.poll_ms / 1000)

    def _written(self, frames: list[bytes]) -> list[bytes]:
        if frames:
            self._written_at = time.monotonic()
        return frames


def entry_id_after(candidate: str, current: str) -> bool:
    return _seq_of(candidate) > _seq_of(current)
