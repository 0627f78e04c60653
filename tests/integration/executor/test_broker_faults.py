"""The broker and the live store going away in the middle of a run."""

from __future__ import annotations

import socket

import redis

from tests.behaviour import flows
from tests.integration.executor import fault_flows
from tests.integration.executor.ledger import (
    check_completed,
    consumers_of,
    rabbitmqctl,
    wait_until,
    workdir,
)
from tests.support.distributed import DistributedHarness
from tests.support.services import RABBITMQ


def broker_is_listening() -> bool:
    try:
        with socket.create_connection((RABBITMQ.host, RABBITMQ.port), timeout=1):
            return True
    except OSError:
        return False


def test_a_run_completes_when_rabbitmq_restarts_in_the_middle_of_it(
    fault_harness, fault_cluster, cluster_pool, sole_reaper, tmp_path
):
    cluster, _ = fault_cluster
    queue = f"{cluster.env['REMEDIA_BROKER_QUEUE_PREFIX']}.default"
    work = workdir(tmp_path)
    params = {"workdir": str(work), "seconds": 3.0}
    with sole_reaper(cluster):
        text = fault_harness.store(b"through a broker restart")
        run = fault_harness.submit(fault_flows.slow_then_seal, {"text": text}, params)
        wait_until((work / f"{run.run_id}.1.started").exists, 30, "the slow step to start")
        rabbitmqctl("stop_app")
        try:
            wait_until(lambda: not broker_is_listening(), 30, "RabbitMQ to stop listening")
            # Accepted while the broker is down: persisted, and published once it is back.
            during = fault_harness.submit(fault_flows.slow_then_seal, {"text": text}, params)
        finally:
            rabbitmqctl("start_app")
            rabbitmqctl("await_startup")
        wait_until(broker_is_listening, 60, "RabbitMQ to listen again")
        wait_until(lambda: consumers_of(queue) >= 2, 60, f"both workers to consume {queue}")
        assert run.wait(90).state == "COMPLETED"
        assert during.wait(90).state == "COMPLETED"
        check_completed([run.run_id, during.run_id], fault_harness.storage)
    # The pool's RabbitMQ cluster, which later tests share, consumes again as well.
    shared, service = cluster_pool.get("rabbitmq")
    harness = DistributedHarness("rabbitmq", shared, service)
    with sole_reaper(shared):
        text = harness.store(b"after the restart")
        folder = str(workdir(tmp_path, "after"))
        after = harness.submit(flows.linear, {"text": text}, {"workdir": folder})
        assert after.wait(60).state == "COMPLETED", shared.log("worker")
    check_completed([after.run_id], harness.storage)


def test_a_run_completes_and_its_snapshot_returns_when_redis_is_flushed_mid_run(
    cluster_pool, sole_reaper, tmp_path
):
    from remedia.executor.live import LiveReader, LiveSettings
    from remedia.executor.store.mirror import run_view

    cluster, service = cluster_pool.get("redis")
    harness = DistributedHarness("redis", cluster, service)
    env = cluster.env
    live = LiveSettings(
        redis_url=env["REMEDIA_REDIS_URL"], key_prefix=env["REMEDIA_LIVE_KEY_PREFIX"]
    )
    reader = LiveReader.from_settings(live, block_ms=1000)
    work = workdir(tmp_path)
    with sole_reaper(cluster):
        text = harness.store(b"through a flush")
        run = harness.submit(
            fault_flows.slow_then_seal, {"text": text}, {"workdir": str(work), "seconds": 2.0}
        )
        wait_until((work / f"{run.run_id}.1.started").exists, 30, "the slow step to start")
        wait_until(lambda: reader.snapshot(run.run_id), 10, "the run's snapshot")
        redis.Redis.from_url(env["REMEDIA_REDIS_URL"]).flushdb()
        redis.Redis.from_url(env["REMEDIA_BROKER_URL"]).flushdb()
        assert reader.snapshot(run.run_id) is None
        assert run.wait(90).state == "COMPLETED"
        check_completed([run.run_id], harness.storage)

    def rebuilt():
        snapshot = reader.snapshot(run.run_id)
        return snapshot if snapshot and snapshot.run.state.value == "COMPLETED" else None

    snapshot = wait_until(rebuilt, 30, "the snapshot to be rebuilt")
    view = run_view(run.run_id)
    assert {s.node: s.state.value for s in view.steps} == {
        label: step.state.value for label, step in snapshot.steps.items()
    }
    assert snapshot.run.state == view.run.state
