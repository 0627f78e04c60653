"""GET /runs/{id} keeps a run's unchanging parts per process: what moves is still live, access
is still checked on every read, and the body is exactly what the RunOut schema serialises to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.api.clients import ApiClient, assert_problem
from tests.api.media import SUBTITLE
from tests.behaviour.flows import appeared


@pytest.fixture
def subtitle(alice: ApiClient) -> str:
    return alice.asset(SUBTITLE, "talk.srt")["id"]


def test_a_run_read_while_it_moves_shows_each_new_state(
    alice: ApiClient, subtitle: str, tmp_path: Path
):
    run = alice.run("test.cancellable", subtitle, {"workdir": str(tmp_path)})
    assert alice.get(f"/runs/{run['id']}").status_code == 200
    assert appeared(tmp_path / "hold.started", 60)
    running = alice.wait(run["id"], states=["RUNNING"])
    steps = {s["node"]: s for s in running["steps"]}
    assert steps["shout"]["state"] == "COMPLETED" and steps["shout"]["outputs"]
    assert steps["hold"]["outputs"] == [] and running["outputs"] == {}
    assert alice.post(f"/runs/{run['id']}/cancel").status_code == 202
    ended = alice.wait(run["id"])
    assert ended["state"] == "CANCELLED" and ended["cancel_requested"] is True
    assert {s["node"]: s["state"] for s in ended["steps"]}["hold"] == "CANCELLED"
    assert ended["outputs"] == {}


def test_a_retried_run_shows_its_new_attempts_and_outputs_after_being_read_failed(
    alice: ApiClient, subtitle: str, tmp_path: Path
):
    run = alice.run("test.broken_middle", subtitle, {"workdir": str(tmp_path)})
    failed = alice.wait(run["id"])
    assert failed["state"] == "FAILED" and failed["outputs"] == {}
    (tmp_path / "repaired").touch()
    assert alice.post(f"/runs/{run['id']}/retry").status_code == 202
    done = alice.wait(run["id"], states=["COMPLETED"])
    fragile = {s["node"]: s for s in done["steps"]}["fragile"]
    assert (fragile["state"], fragile["attempt"]) == ("COMPLETED", 2)
    assert fragile["outputs"]
    assert done["outputs"]["result"]["id"] == done["steps"][-1]["outputs"][0]["id"]


def test_another_users_run_stays_hidden_after_its_owner_read_it(
    alice: ApiClient, bob: ApiClient, staff: ApiClient, subtitle: str, tmp_path: Path
):
    run = alice.wait(alice.run("test.linear", subtitle, {"workdir": str(tmp_path)})["id"])
    assert alice.get(f"/runs/{run['id']}").status_code == 200
    assert_problem(bob.get(f"/runs/{run['id']}"), 404)
    assert_problem(bob.post(f"/runs/{run['id']}/rerun"), 404)
    assert_problem(bob.get(f"/runs/{run['id']}"), 404)
    assert staff.get(f"/runs/{run['id']}").json()["id"] == run["id"]
    assert_problem(bob.get(f"/runs/{run['id']}"), 404)


@pytest.mark.parametrize("flow", ["test.linear", "test.map"])
def test_a_run_reads_exactly_as_its_schema_serialises_it(
    alice: ApiClient, subtitle: str, tmp_path: Path, flow: str
):
    from remedia.api.app import api
    from remedia.api.run_schemas import RunOut

    params = {"workdir": str(tmp_path)} if flow == "test.linear" else {}
    run = alice.wait(alice.run(flow, subtitle, params)["id"])
    assert run["state"] == "COMPLETED"
    response = alice.get(f"/runs/{run['id']}")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    as_schema = RunOut.model_validate(json.loads(response.content)).model_dump()
    assert response.content.decode() == api.renderer.render(None, as_schema, response_status=200)
