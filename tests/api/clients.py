"""ApiClient: Django's test client speaking to ``/api/v1`` as one user, and test users."""

from __future__ import annotations

import io
import json
import time
import uuid
from typing import Any

from django.test import Client

from remedia.executor.states import RUN_TERMINAL, RunState

API = "/api/v1"
PROBLEM = "application/problem+json"
POLL_SECONDS = 0.1


def make_user(stem: str, *, is_staff: bool = False) -> Any:
    """A new user with a unique name; its password is ``password-<name>``."""
    from django.contrib.auth.models import User

    name = f"{stem}-{uuid.uuid4().hex[:10]}"
    return User.objects.create_user(name, password=f"password-{name}", is_staff=is_staff)


class ApiClient:
    """Requests as one user (a bearer token) or as nobody."""

    def __init__(self, client: Client, user: Any = None) -> None:
        self.client = client
        self.user = user

    @classmethod
    def with_token(cls, user: Any) -> ApiClient:
        from remedia.api.tokens import issue_token

        secret = issue_token(user, "tests")
        return cls(Client(HTTP_AUTHORIZATION=f"Bearer {secret}"), user)

    @classmethod
    def anonymous(cls) -> ApiClient:
        return cls(Client())

    def get(self, path: str, query: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.get(API + path, query, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        if body is None or isinstance(body, dict | list):
            return self.client.post(
                API + path, json.dumps(body or {}), content_type="application/json", **kwargs
            )
        return self.client.post(API + path, body, content_type="application/json", **kwargs)

    def post_form(self, path: str, fields: dict[str, Any], **kwargs: Any) -> Any:
        return self.client.post(API + path, fields, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.client.delete(API + path, **kwargs)

    def upload(self, data: bytes, name: str = "photo.jpg") -> Any:
        handle = io.BytesIO(data)
        handle.name = name
        return self.post_form("/assets", {"file": handle})

    def asset(self, data: bytes, name: str = "photo.jpg") -> dict[str, Any]:
        response = self.upload(data, name)
        assert response.status_code == 201, response.content
        return response.json()

    def submit(self, flow: str, asset_id: str, params: dict[str, Any] | None = None) -> Any:
        return self.post("/runs", {"flow": flow, "asset_id": asset_id, "params": params or {}})

    def run(self, flow: str, asset_id: str, params: dict[str, Any] | None = None) -> dict:
        response = self.submit(flow, asset_id, params)
        assert response.status_code == 201, response.content
        return response.json()

    def wait(self, run_id: str, timeout: float = 90.0, states: Any = RUN_TERMINAL) -> dict:
        """Poll ``GET /runs/{id}`` until the run is in one of ``states``."""
        wanted = {RunState(s) for s in states}
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(f"/runs/{run_id}")
            assert response.status_code == 200, response.content
            run = response.json()
            if RunState(run["state"]) in wanted:
                return run
            if time.monotonic() > deadline:
                steps = {s["label"]: s["state"] for s in run["steps"]}
                raise TimeoutError(f"run {run_id} still {run['state']} after {timeout}s: {steps}")
            time.sleep(POLL_SECONDS)


def body_of(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status``; returns its document."""
    assert response.status_code == status, (response.status_code, body_of(response)[:500])
    assert response["Content-Type"] == PROBLEM
    problem = json.loads(body_of(response))
    assert problem["status"] == status
    assert {"type", "title", "detail"} <= set(problem)
    assert problem["detail"]
    return problem
