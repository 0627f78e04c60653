"""LivePublisher: writes committed transitions, progress reports and rebuilds to Redis.

The executor calls it *after* the database committed, so Redis never shows a state the
database lacks. Every method is one script call (one round trip, atomic) and none raises on a
Redis error: the database already holds the truth, the write is dropped and counted, and the
snapshot is rebuilt later from the database if needed.
"""

from __future__ import annotations

from collections.abc import Sequence

from redis import Redis, RedisError
from redis.commands.core import Script

from remedia.executor.states import RUN_TERMINAL

from . import codec
from .connection import connect
from .keys import RunKeys
from .scripts import Scripts
from .settings import LiveSettings
from .stats import LiveStats, WriteResult
from .views import ProgressReport, RunView, SnapshotRun, SnapshotStep, StateEvent, Transition

_KEEP_EXPIRY = -1
_PERSIST = 0


class LivePublisher:
    """One per process; safe to share between threads (redis-py pools its connections)."""

    def __init__(self, client: Redis, settings: LiveSettings | None = None) -> None:
        self.client = client
        self.settings = settings or LiveSettings()
        self.stats = LiveStats()
        self._scripts = Scripts(client)

    @classmethod
    def from_settings(cls, settings: LiveSettings) -> LivePublisher:
        return cls(connect(settings, name="remedia-live-publisher"), settings)

    def keys(self, run_id: str) -> RunKeys:
        return RunKeys.of(self.settings.key_prefix, run_id)

    def write_transition(
        self,
        run_id: str,
        event: StateEvent,
        *,
        run: SnapshotRun | None = None,
        step: SnapshotStep | None = None,
    ) -> WriteResult:
        """Publish one committed event and the row it changed."""
        return self.write_transitions(run_id, [Transition(event, run=run, step=step)])

    def write_transitions(self, run_id: str, transitions: Sequence[Transition]) -> WriteResult:
        """Publish the events one DB transaction committed (e.g. a step COMPLETED, the next
        steps QUEUED and the run COMPLETED) in a single round trip.

        Returns NEEDS_REBUILD, writing nothing, when the run has no snapshot: a flush removed
        it and only a rebuild from the database may recreate it.
        """
        # Each field is written once, as of the last transition that carries it: the script
        # keeps a field's highest seq anyway.
        latest_run: tuple[int, SnapshotRun] | None = None
        latest_steps: dict[str, tuple[int, SnapshotStep]] = {}
        for change in sorted(transitions, key=lambda t: t.event.seq):
            seq = change.event.seq
            if change.run is not None:
                latest_run = (seq, change.run)
            if change.step is not None:
                latest_steps[codec.step_field(change.step.label)] = (seq, change.step)
        rows: list[tuple[str, int, str]] = []
        ttl = _KEEP_EXPIRY
        if latest_run is not None:
            seq, run = latest_run
            rows.append((codec.RUN_FIELD, seq, codec.encode_run(run, seq)))
            ttl = self._ttl_ms(run)
        for field, (seq, step) in latest_steps.items():
            rows.append((field, seq, codec.encode_step(step, seq)))
        events = [(t.event.seq, codec.encode_state_event(t.event)) for t in transitions]
        return self._apply(run_id, "live", ttl, rows, events)

    def write_progress(self, run_id: str, report: ProgressReport) -> WriteResult:
        """Write one progress value now (unthrottled: use ProgressWriter from steps)."""
        keys = self.keys(run_id)
        args = [
            codec.progress_field(report.label),
            codec.encode_progress(report),
            codec.encode_progress_event(report),
            self.settings.stream_maxlen,
            self.settings.gap_timeout_ms,
        ]
        return self._call(self._scripts.progress, keys, args)

    def rebuild(self, view: RunView) -> WriteResult:
        """Recreate a run's snapshot and its state events from the database's view.

        Safe at any time: a field or event already in Redis with a newer ``seq`` is kept, and
        state events get their original ids ``<seq>-0``. Progress events are not restored;
        running steps' progress reappears with their next report.
        """
        last_seq: dict[str | None, int] = {}
        for event in view.events:
            owner = None if event.kind == "run" else event.label
            last_seq[owner] = max(last_seq.get(owner, 0), event.seq)
        run_seq = last_seq.get(None, 0)
        rows = [(codec.RUN_FIELD, run_seq, codec.encode_run(view.run, run_seq))]
        for step in view.steps:
            seq = last_seq.get(step.label, 0)
            rows.append((codec.step_field(step.label), seq, codec.encode_step(step, seq)))
        events = [(e.seq, codec.encode_state_event(e)) for e in sorted(view.events, key=_seq)]
        return self._apply(view.run.run_id, "rebuild", self._ttl_ms(view.run), rows, events)

    def release_held(self, run_id: str) -> WriteResult:
        """Let events wait no longer than ``gap_timeout_ms`` for a predecessor that never came."""
        args = [self.settings.stream_maxlen, self.settings.gap_timeout_ms]
        return self._call(self._scripts.release, self.keys(run_id), args)

    def _ttl_ms(self, run: SnapshotRun) -> int:
        if run.state in RUN_TERMINAL:
            return self.settings.terminal_ttl_seconds * 1000
        return _PERSIST

    def _apply(
        self,
        run_id: str,
        mode: str,
        ttl_ms: int,
        rows: list[tuple[str, int, str]],
        events: list[tuple[int, str]],
    ) -> WriteResult:
        args: list[str | int] = [
            mode,
            self.settings.stream_maxlen,
            ttl_ms,
            self.settings.gap_timeout_ms,
            len(rows),
        ]
        for field, seq, value in rows:
            args += [field, seq, value]
        args.append(len(events))
        for seq, payload in events:
            args += [seq, payload]
        return self._call(self._scripts.apply, self.keys(run_id), args)

    def _call(self, script: Script, keys: RunKeys, args: Sequence[str | int]) -> WriteResult:
        try:
            last = script(keys=keys.all(), args=list(args))
        except RedisError as error:
            self.stats.failed(error)
            return WriteResult.FAILED
        result = WriteResult.NEEDS_REBUILD if int(last) < 0 else WriteResult.WRITTEN
        self.stats.written(result)
        return result


def _seq(event: StateEvent) -> int:
    return event.seq
