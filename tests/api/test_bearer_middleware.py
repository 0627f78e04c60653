"""A bearer token is ``request.user`` for every Django view, synchronous or asynchronous."""

from __future__ import annotations

import asyncio
from typing import Any

from django.test import RequestFactory

from tests.api.clients import make_user


def _request(secret: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    request = RequestFactory().get("/anything", **headers)
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    return request


def test_a_synchronous_view_sees_the_tokens_user(api):
    from remedia.api.bearer_middleware import BearerTokenMiddleware
    from remedia.api.tokens import issue_token

    user = make_user("erin")
    seen: list[Any] = []
    middleware = BearerTokenMiddleware(lambda request: seen.append(request.user.pk))
    middleware(_request(issue_token(user, "sync")))
    assert seen == [user.pk]


def test_an_asynchronous_view_sees_the_tokens_user(api):
    from remedia.api.bearer_middleware import BearerTokenMiddleware
    from remedia.api.tokens import issue_token

    user = make_user("erin")
    seen: list[Any] = []

    async def view(request: Any) -> None:
        seen.append((await request.auser()).pk)

    asyncio.run(BearerTokenMiddleware(view)(_request(issue_token(user, "async"))))
    assert seen == [user.pk]


def test_an_unknown_token_leaves_the_caller_anonymous(api):
    from remedia.api.bearer_middleware import BearerTokenMiddleware

    seen: list[bool] = []
    middleware = BearerTokenMiddleware(lambda request: seen.append(request.user.is_authenticated))
    middleware(_request("rmd_unknown"))
    assert seen == [False]
