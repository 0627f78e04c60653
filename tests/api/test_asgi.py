"""The API as ``remedia up`` serves it: the ASGI application, driven in-process by httpx."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from tests.api.clients import API, PROBLEM, ApiClient
from tests.api.media import photo


def _request(method: str, path: str, **kwargs: Any) -> Any:
    import httpx

    from remedia.config.asgi import application

    async def send() -> Any:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.request(method, API + path, **kwargs)

    return asyncio.run(send())


def _bearer(client: ApiClient) -> dict[str, str]:
    from remedia.api.tokens import issue_token

    return {"Authorization": f"Bearer {issue_token(client.user, 'asgi')}"}


def test_an_upload_through_the_asgi_app_is_stored_with_its_digest(alice: ApiClient):
    data = photo()
    response = _request(
        "POST", "/assets", headers=_bearer(alice), files={"file": ("rocket.jpg", data)}
    )
    assert response.status_code == 201, response.text
    assert response.json()["digest"] == hashlib.sha256(data).hexdigest()


def test_an_oversized_upload_through_the_asgi_app_is_refused_before_it_is_stored(
    alice: ApiClient, limits
):
    runtime = limits(max_upload_bytes=1000)
    before = set(runtime.storage.keys("inputs"))
    response = _request(
        "POST", "/assets", headers=_bearer(alice), files={"file": ("big.jpg", photo() + b"!")}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert set(runtime.storage.keys("inputs")) == before


def test_a_run_is_read_through_the_asgi_app(alice: ApiClient):
    from tests.api.media import SUBTITLE

    run = alice.run("test.map", alice.asset(SUBTITLE, "talk.srt")["id"])
    response = _request("GET", f"/runs/{run['id']}", headers=_bearer(alice))
    assert response.status_code == 200
    assert response.json()["id"] == run["id"]


def test_a_chunked_upload_growing_past_the_limit_is_cut_and_refused(alice: ApiClient, limits):
    runtime = limits(max_upload_bytes=1000)
    before = set(runtime.storage.keys("inputs"))
    boundary = "remedia-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()

    async def chunks() -> Any:  # no Content-Length: the body arrives chunked
        yield head
        for _ in range(40):
            yield b"\xff" * 4096
        yield f"\r\n--{boundary}--\r\n".encode()

    headers = _bearer(alice) | {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    response = _request("POST", "/assets", headers=headers, content=chunks())
    assert response.status_code == 413
    assert "1000 bytes" in response.json()["detail"]
    assert set(runtime.storage.keys("inputs")) == before


def test_a_declared_length_past_the_limit_is_refused_before_the_body_is_read(
    alice: ApiClient, limits
):
    limits(max_upload_bytes=1000)
    sent: list[int] = []

    async def body() -> Any:
        for _ in range(40):
            sent.append(1)
            yield b"\x00" * 4096

    headers = _bearer(alice) | {
        "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(40 * 4096),
    }
    response = _request("POST", "/assets", headers=headers, content=body())
    assert response.status_code == 413
    assert len(sent) < 40
