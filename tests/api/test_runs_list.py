"""``GET /runs``: each user's runs, newest first, filtered, paged by an opaque cursor."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.api.clients import ApiClient, assert_problem
from tests.api.media import SUBTITLE
from tests.behaviour.flows import appeared


@pytest.fixture
def subtitle(alice: ApiClient) -> str:
    return alice.asset(SUBTITLE, "talk.srt")["id"]


def _linear(client: ApiClient, asset_id: str, workdir: Path) -> dict:
    return client.run("test.linear", asset_id, {"workdir": str(workdir)})


def test_runs_are_listed_newest_first(alice: ApiClient, subtitle: str, tmp_path: Path):
    ids = [_linear(alice, subtitle, tmp_path)["id"] for _ in range(3)]
    listed = [r["id"] for r in alice.get("/runs").json()["items"]]
    assert listed == ids[::-1]


def test_pages_neither_repeat_nor_skip_runs_submitted_while_paging(
    alice: ApiClient, subtitle: str, tmp_path: Path
):
    before = [_linear(alice, subtitle, tmp_path)["id"] for _ in range(5)]
    first = alice.get("/runs", {"limit": 2}).json()
    newer = [_linear(alice, subtitle, tmp_path)["id"] for _ in range(2)]
    second = alice.get("/runs", {"limit": 2, "cursor": first["next_cursor"]}).json()
    _linear(alice, subtitle, tmp_path)
    third = alice.get("/runs", {"limit": 2, "cursor": second["next_cursor"]}).json()
    seen = [r["id"] for page in (first, second, third) for r in page["items"]]
    assert seen == before[::-1]
    assert third["next_cursor"] is None
    assert not set(newer) & set(seen)


def test_a_cursor_that_was_not_given_out_is_a_422(alice: ApiClient):
    problem = assert_problem(alice.get("/runs", {"cursor": "bm90IGEgY3Vyc29y"}), 422)
    assert problem["errors"][0]["loc"] == ["query", "cursor"]


def test_runs_filter_by_flow_state_and_creation_time(
    alice: ApiClient, subtitle: str, tmp_path: Path
):
    older = _linear(alice, subtitle, tmp_path)
    cached = alice.run("test.cached", subtitle, {"workdir": str(tmp_path)})
    newest = _linear(alice, subtitle, tmp_path)
    by_flow = alice.get("/runs", {"flow": "test.cached"}).json()["items"]
    assert [r["id"] for r in by_flow] == [cached["id"]]
    alice.wait(newest["id"])
    done = {r["id"] for r in alice.get("/runs", {"state": "COMPLETED"}).json()["items"]}
    assert newest["id"] in done
    window = {"created_after": cached["created_at"], "created_before": newest["created_at"]}
    assert [r["id"] for r in alice.get("/runs", window).json()["items"]] == [cached["id"]]
    assert older["id"] not in {r["id"] for r in alice.get("/runs", window).json()["items"]}


def test_a_user_lists_only_their_own_runs(
    alice: ApiClient, bob: ApiClient, subtitle: str, tmp_path: Path
):
    _linear(alice, subtitle, tmp_path)
    assert bob.get("/runs").json()["items"] == []


def test_staff_list_anyones_runs_by_owner(
    alice: ApiClient, staff: ApiClient, subtitle: str, tmp_path: Path
):
    run = _linear(alice, subtitle, tmp_path)
    listed = staff.get("/runs", {"owner": alice.user.username}).json()["items"]
    assert [r["id"] for r in listed] == [run["id"]]


def test_a_user_who_is_not_staff_cannot_list_by_another_owner(alice: ApiClient, bob: ApiClient):
    assert_problem(bob.get("/runs", {"owner": alice.user.username}), 403)


def test_an_unknown_state_is_a_422(alice: ApiClient):
    assert_problem(alice.get("/runs", {"state": "DONE"}), 422)


def test_listing_runs_needs_authentication(anonymous: ApiClient):
    assert_problem(anonymous.get("/runs"), 401)


def _listed(client: ApiClient, run_id: str) -> dict:
    return next(r for r in client.get("/runs").json()["items"] if r["id"] == run_id)


def test_a_completed_run_is_listed_at_full_progress(
    alice: ApiClient, subtitle: str, tmp_path: Path
):
    run = _linear(alice, subtitle, tmp_path)
    alice.wait(run["id"])
    listed = _listed(alice, run["id"])
    assert listed["state"] == "COMPLETED" and listed["progress"] == 1.0


def test_a_run_that_has_not_started_is_listed_at_no_progress(alice: ApiClient):
    # A run recorded but not yet planned: no step has run and Redis holds no snapshot of it,
    # so the list answers from the database.
    from remedia.executor.store.models import FlowRun

    run = FlowRun.objects.create(
        id=uuid.uuid4().hex, flow="test.linear", version=1, dag={}, owner=alice.user
    )
    listed = _listed(alice, run.id)
    assert listed["state"] == "PENDING" and listed["progress"] == 0.0


def test_a_moving_run_is_listed_at_the_progress_its_own_read_shows(
    alice: ApiClient, subtitle: str, tmp_path: Path
):
    run = alice.run("test.cancellable", subtitle, {"workdir": str(tmp_path)})
    assert appeared(tmp_path / "hold.started", 60)
    alice.wait(run["id"], states=["RUNNING"])
    listed = _listed(alice, run["id"])
    read = alice.get(f"/runs/{run['id']}").json()
    try:
        # shout has completed, hold runs without reporting progress, bracket waits.
        assert listed["progress"] == pytest.approx(1 / 3)
        assert read["progress"] == listed["progress"]
    finally:
        alice.post(f"/runs/{run['id']}/cancel")
        alice.wait(run["id"])
