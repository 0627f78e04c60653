"""``/health`` answers whenever the process does; ``/ready`` names each service that is down."""

from __future__ import annotations

import dataclasses

from tests.api.clients import ApiClient, assert_problem

CLOSED_PORT = 1


def test_health_answers_without_authentication(anonymous: ApiClient):
    response = anonymous.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_when_the_database_broker_and_redis_answer(anonymous: ApiClient):
    response = anonymous.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "redis": "ok"}


def test_not_ready_names_the_broker_when_it_does_not_answer(anonymous: ApiClient, api):
    from remedia.api.runtime import use_runtime

    use_runtime(
        dataclasses.replace(api, broker_url=f"amqp://guest:guest@127.0.0.1:{CLOSED_PORT}//")
    )
    problem = assert_problem(anonymous.get("/ready"), 503)
    assert "broker" in problem["detail"]
    assert "redis" not in problem["detail"] and "database" not in problem["detail"]


def test_not_ready_names_redis_when_it_does_not_answer(anonymous: ApiClient, api):
    from remedia.api.runtime import use_runtime
    from remedia.executor.live import LiveReader, LiveSettings, connect

    down = LiveSettings(redis_url=f"redis://127.0.0.1:{CLOSED_PORT}/0")
    use_runtime(dataclasses.replace(api, live=LiveReader(connect(down), down)))
    problem = assert_problem(anonymous.get("/ready"), 503)
    assert "redis" in problem["detail"] and "broker" not in problem["detail"]


def test_a_run_is_still_read_from_the_database_when_redis_is_down(alice: ApiClient, api):
    from remedia.api.runtime import use_runtime
    from remedia.executor.live import LiveReader, LiveSettings, connect
    from tests.api.media import SUBTITLE

    run = alice.run("test.map", alice.asset(SUBTITLE, "talk.srt")["id"])
    down = LiveSettings(redis_url=f"redis://127.0.0.1:{CLOSED_PORT}/0")
    use_runtime(dataclasses.replace(api, live=LiveReader(connect(down), down)))
    response = alice.get(f"/runs/{run['id']}")
    assert response.status_code == 200
    assert response.json()["id"] == run["id"]
