"""A run through real workers as the API shows it: read, cancel, retry, re-run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.clients import ApiClient, assert_problem
from tests.api.media import SUBTITLE
from tests.behaviour.flows import appeared


@pytest.fixture
def subtitle(alice: ApiClient) -> str:
    return alice.asset(SUBTITLE, "talk.srt")["id"]


def test_a_completed_run_shows_every_step_done_with_its_outputs(
    alice: ApiClient, subtitle: str, tmp_path: Path
):
    run = alice.run("test.linear", subtitle, {"workdir": str(tmp_path)})
    done = alice.wait(run["id"])
    assert done["state"] == "COMPLETED"
    assert [s["state"] for s in done["steps"]] == ["COMPLETED"] * len(done["dag"]["nodes"])
    assert all(s["fraction"] == 1.0 and s["attempt"] == 1 for s in done["steps"])
    assert all(s["outputs"] and s["finished_at"] for s in done["steps"])
    assert done["outputs"]["result"]["id"] == done["steps"][-1]["outputs"][0]["id"]
    assert int(done["last_event_id"].split("-")[0]) >= 2 * len(done["steps"])


def test_a_run_reads_the_same_from_the_database_when_redis_lost_its_snapshot(
    alice: ApiClient, subtitle: str, tmp_path: Path, api
):
    run = alice.wait(alice.run("test.linear", subtitle, {"workdir": str(tmp_path)})["id"])
    keys = api.live.keys(run["id"])
    api.live.client.delete(keys.snapshot, keys.stream)
    again = alice.get(f"/runs/{run['id']}").json()
    assert again["state"] == run["state"]
    assert [(s["label"], s["state"], s["fraction"]) for s in again["steps"]] == [
        (s["label"], s["state"], s["fraction"]) for s in run["steps"]
    ]
    assert again["last_event_id"] == run["last_event_id"]
    assert api.live.snapshot(run["id"]) is not None  # rebuilt from the database


def test_cancelling_a_running_run_is_accepted_and_the_run_ends_cancelled(
    alice: ApiClient, subtitle: str, tmp_path: Path
):
    run = alice.run("test.cancellable", subtitle, {"workdir": str(tmp_path)})
    assert appeared(tmp_path / "hold.started", 60)
    response = alice.post(f"/runs/{run['id']}/cancel")
    assert response.status_code == 202
    assert response.json()["cancel_requested"] is True
    assert alice.wait(run["id"])["state"] == "CANCELLED"


def test_cancelling_a_finished_run_is_a_409(alice: ApiClient, subtitle: str, tmp_path: Path):
    run = alice.wait(alice.run("test.linear", subtitle, {"workdir": str(tmp_path)})["id"])
    assert_problem(alice.post(f"/runs/{run['id']}/cancel"), 409)


def test_retrying_a_failed_run_reruns_only_the_failed_and_skipped_steps(
    alice: ApiClient, subtitle: str, tmp_path: Path
):
    run = alice.run("test.broken_middle", subtitle, {"workdir": str(tmp_path)})
    failed = alice.wait(run["id"])
    assert failed["state"] == "FAILED"
    states = {s["node"]: s["state"] for s in failed["steps"]}
    assert states == {"shout": "COMPLETED", "fragile": "FAILED", "bracket": "SKIPPED"}
    (tmp_path / "repaired").touch()
    assert alice.post(f"/runs/{run['id']}/retry").status_code == 202
    done = alice.wait(run["id"], states=["COMPLETED"])
    steps = {s["node"]: s for s in done["steps"]}
    assert steps["shout"]["attempt"] == 1
    assert steps["fragile"]["attempt"] == 2
    assert (tmp_path / "shout.runs").read_text().count("\n") == 1


def test_retrying_a_run_that_did_not_fail_is_a_409(alice: ApiClient, subtitle: str, tmp_path: Path):
    run = alice.wait(alice.run("test.linear", subtitle, {"workdir": str(tmp_path)})["id"])
    problem = assert_problem(alice.post(f"/runs/{run['id']}/retry"), 409)
    assert "COMPLETED" in problem["detail"]


def test_rerunning_makes_a_new_run_with_the_same_inputs_and_parameters(
    alice: ApiClient, subtitle: str, tmp_path: Path
):
    first = alice.wait(alice.run("test.linear", subtitle, {"workdir": str(tmp_path)})["id"])
    response = alice.post(f"/runs/{first['id']}/rerun")
    assert response.status_code == 201
    second = response.json()
    assert second["id"] != first["id"]
    assert (second["flow"], second["version"], second["params"]) == (
        first["flow"],
        first["version"],
        first["params"],
    )
    assert second["inputs"]["text"]["digest"] == first["inputs"]["text"]["digest"]
    assert alice.wait(second["id"])["state"] == "COMPLETED"


def test_another_user_can_neither_read_nor_act_on_a_run(
    alice: ApiClient, bob: ApiClient, subtitle: str, tmp_path: Path
):
    run = alice.run("test.linear", subtitle, {"workdir": str(tmp_path)})
    assert_problem(bob.get(f"/runs/{run['id']}"), 404)
    for action in ("cancel", "retry", "rerun"):
        assert_problem(bob.post(f"/runs/{run['id']}/{action}"), 404)
    artifact = run["inputs"]["text"]["id"]
    assert_problem(bob.get(f"/artifacts/{artifact}"), 404)


def test_staff_can_read_anyones_run(alice: ApiClient, staff: ApiClient, subtitle: str, tmp_path):
    run = alice.run("test.linear", subtitle, {"workdir": str(tmp_path)})
    assert staff.get(f"/runs/{run['id']}").json()["owner"] == alice.user.username


def test_reading_a_run_needs_authentication(anonymous: ApiClient):
    assert_problem(anonymous.get("/runs/" + "0" * 32), 401)


def test_an_unknown_run_is_a_404(alice: ApiClient):
    assert_problem(alice.get("/runs/" + "0" * 32), 404)


def test_a_map_node_shows_each_branch_after_its_node(alice: ApiClient):
    lines = b"one\ntwo\nthree\n"
    asset = alice.asset(b"1\n00:00:01,000 --> 00:00:02,000\n" + lines, "lines.srt")
    run = alice.wait(alice.run("test.map", asset["id"])["id"])
    assert run["state"] == "COMPLETED"
    mapped = next(n for n in run["dag"]["nodes"] if n["is_map"])
    branches = [
        s for s in run["steps"] if s["node"] == mapped["key"] and s["map_index"] is not None
    ]
    assert [s["label"] for s in branches] == [f"{mapped['key']}[{i}]" for i in range(5)]
    labels = [s["label"] for s in run["steps"]]
    assert labels.index(mapped["key"]) < labels.index(branches[0]["label"])
