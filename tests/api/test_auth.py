"""``/auth``: session login with CSRF for the browser, bearer tokens for programs."""

from __future__ import annotations

import io

from django.test import Client

from tests.api.clients import API, ApiClient, assert_problem, make_user


def _logged_in(user) -> Client:
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        f"{API}/auth/login",
        {"username": user.username, "password": f"password-{user.username}"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return browser


def test_logging_in_sets_the_session_and_csrf_cookies_and_says_who(api):
    user = make_user("carol")
    browser = _logged_in(user)
    assert {"sessionid", "csrftoken"} <= set(browser.cookies)
    me = browser.get(f"{API}/auth/me").json()
    assert me == {"id": user.pk, "username": user.username, "is_staff": False}


def test_a_wrong_password_is_a_401(api):
    user = make_user("carol")
    response = Client().post(
        f"{API}/auth/login",
        {"username": user.username, "password": "wrong"},
        content_type="application/json",
    )
    assert_problem(response, 401)


def test_a_session_request_that_changes_something_needs_the_csrf_header(api):
    browser = _logged_in(make_user("carol"))
    problem = assert_problem(
        browser.post(f"{API}/auth/tokens", {"name": "x"}, content_type="application/json"), 403
    )
    assert "X-CSRFToken" in problem["detail"]


def test_a_session_request_with_the_csrf_header_is_accepted(api):
    browser = _logged_in(make_user("carol"))
    response = browser.post(
        f"{API}/auth/tokens",
        {"name": "laptop"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )
    assert response.status_code == 201


def test_a_session_upload_needs_the_csrf_header_too(api):
    from tests.api.media import small_png

    browser = _logged_in(make_user("carol"))

    def upload(**headers):
        handle = io.BytesIO(small_png())
        handle.name = "coffee.png"
        return browser.post(f"{API}/assets", {"file": handle}, **headers)

    assert_problem(upload(), 403)
    token = browser.cookies["csrftoken"].value
    assert upload(HTTP_X_CSRFTOKEN=token).status_code == 201


def test_a_bearer_request_needs_no_csrf_header(alice: ApiClient):
    assert alice.post("/auth/tokens", {"name": "script"}).status_code == 201


def test_logging_out_ends_the_session(api):
    browser = _logged_in(make_user("carol"))
    token = browser.cookies["csrftoken"].value
    assert browser.post(f"{API}/auth/logout", HTTP_X_CSRFTOKEN=token).status_code == 204
    assert_problem(browser.get(f"{API}/auth/me"), 401)


def test_a_tokens_secret_is_shown_once_and_never_listed(alice: ApiClient):
    created = alice.post("/auth/tokens", {"name": "ci"}).json()
    assert created["secret"].startswith(created["prefix"])
    listed = {t["id"]: t for t in alice.get("/auth/tokens").json()}
    assert "secret" not in listed[created["id"]]
    assert listed[created["id"]]["name"] == "ci"


def test_a_new_token_authenticates_and_a_revoked_one_does_not(alice: ApiClient):
    created = alice.post("/auth/tokens", {"name": "temp"}).json()
    other = Client(HTTP_AUTHORIZATION=f"Bearer {created['secret']}")
    assert other.get(f"{API}/auth/me").json()["username"] == alice.user.username
    assert alice.delete(f"/auth/tokens/{created['id']}").status_code == 204
    assert_problem(other.get(f"{API}/auth/me"), 401)


def test_a_user_cannot_revoke_another_users_token(alice: ApiClient, bob: ApiClient):
    created = alice.post("/auth/tokens", {"name": "mine"}).json()
    assert_problem(bob.delete(f"/auth/tokens/{created['id']}"), 404)


def test_an_unknown_bearer_token_is_a_401(api):
    stranger = Client(HTTP_AUTHORIZATION="Bearer rmd_not-a-real-token")
    assert_problem(stranger.get(f"{API}/auth/me"), 401)


def test_token_functions_issue_a_secret_that_finds_its_user(api):
    from remedia.api.tokens import issue_token, user_for_token

    user = make_user("dave")
    secret = issue_token(user, "from code")
    assert user_for_token(secret) == user
    assert user_for_token(secret + "x") is None
    assert user_for_token("") is None
