"""A finished run's live keys expire; a run that is retried keeps them."""

from __future__ import annotations

from redis import Redis

from remedia.executor.live import LivePublisher, LiveSettings, ProgressWriter, RunKeys
from remedia.executor.states import RunState, StepState

from .ledger import Ledger


def _ttls(redis_client: Redis, keys: RunKeys) -> dict[str, int]:
    return {"snapshot": redis_client.pttl(keys.snapshot), "stream": redis_client.pttl(keys.stream)}


def test_a_terminal_runs_snapshot_and_stream_get_an_expiry(
    settings: LiveSettings, publisher: LivePublisher, redis_client: Redis
) -> None:
    ledger = Ledger.new("run-1", ["decode"])
    publisher.rebuild(ledger.view())
    keys = publisher.keys(ledger.run_id)
    publisher.write_transitions(ledger.run_id, [ledger.move_run(RunState.RUNNING)])
    running = _ttls(redis_client, keys)

    publisher.write_transitions(
        ledger.run_id,
        [ledger.move_step("decode", StepState.CANCELLED), ledger.move_run(RunState.CANCELLED)],
    )
    ProgressWriter(publisher).for_step(ledger.run_id, "decode").report(1, 1)  # a late report

    limit = settings.terminal_ttl_seconds * 1000
    assert running == {"snapshot": -1, "stream": -1}, "a live run never expires"
    assert all(0 < ttl <= limit for ttl in _ttls(redis_client, keys).values())


def test_a_retried_run_loses_its_expiry(publisher: LivePublisher, redis_client: Redis) -> None:
    ledger = Ledger.new("run-1", ["decode"])
    publisher.rebuild(ledger.view())
    keys = publisher.keys(ledger.run_id)
    publisher.write_transitions(ledger.run_id, [ledger.move_run(RunState.FAILED)])

    publisher.write_transitions(ledger.run_id, [ledger.move_run(RunState.PENDING)])

    assert _ttls(redis_client, keys) == {"snapshot": -1, "stream": -1}
