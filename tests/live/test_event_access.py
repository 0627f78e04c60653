"""Who may open a run's event stream: its owner and staff; nobody else learns it exists."""

from __future__ import annotations

from typing import Any

from .accounts import make_user
from .conftest import LiveService
from .sse import follow


def _run(live: LiveService, owner: Any) -> str:
    return live.submit("test.ticker", live.store(b"x\n", "x.txt"), {"ticks": 1}, owner)


def test_an_anonymous_client_is_refused_with_a_401_problem(
    live_service: LiveService, owner: Any
) -> None:
    run_id = _run(live_service, owner)

    with live_service.client() as client:
        response = client.get(live_service.events_url(run_id))

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_another_users_run_is_answered_as_not_found(
    live_service: LiveService, owner: Any, stranger: Any
) -> None:
    run_id = _run(live_service, owner)

    with live_service.client(stranger) as client:
        theirs = client.get(live_service.events_url(run_id))
        unknown = client.get(live_service.events_url("0" * 32))

    assert theirs.status_code == 404
    assert theirs.headers["content-type"] == "application/problem+json"
    assert theirs.json()["detail"] == unknown.json()["detail"].replace("0" * 32, run_id)


def test_staff_may_follow_any_run(live_service: LiveService, owner: Any) -> None:
    run_id = _run(live_service, owner)
    staff = make_user("staff", staff=True)

    with live_service.client(staff) as client:
        events = follow(client, live_service.events_url(run_id))

    assert events[-1].json == {"state": "COMPLETED"}


def test_a_malformed_last_event_id_is_a_400_problem(live_service: LiveService, owner: Any) -> None:
    run_id = _run(live_service, owner)

    with live_service.client(owner) as client:
        response = client.get(live_service.events_url(run_id), headers={"Last-Event-ID": "x"})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_a_signed_in_browser_session_may_follow_its_own_run(
    live_service: LiveService, owner: Any
) -> None:
    run_id = _run(live_service, owner)

    with live_service.browser(owner) as browser:
        events = follow(browser, live_service.events_url(run_id))

    assert events[-1].json == {"state": "COMPLETED"}
