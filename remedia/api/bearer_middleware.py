"""BearerTokenMiddleware: ``Authorization: Bearer <token>`` makes ``request.user`` the token's user.

The API's routers authenticate bearer tokens themselves; this middleware gives every other
view the same answer through Django's own ``request.user`` and ``request.auser()`` (the
asynchronous event stream, for one), so a program's token works wherever a browser session
does. A missing or unknown token leaves the session's user in place or anonymous.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from .tokens import user_for_token

BEARER = "bearer "


def bearer_secret(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[: len(BEARER)].lower() != BEARER:
        return None
    return header[len(BEARER) :].strip()


def _token_user(secret: str) -> Any:
    return user_for_token(secret) or AnonymousUser()


class BearerTokenMiddleware:
    """Place it after Django's AuthenticationMiddleware."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def _attach(self, request: HttpRequest) -> None:
        secret = bearer_secret(request)
        if secret is None:
            return
        request.user = SimpleLazyObject(lambda: _token_user(secret))  # type: ignore[assignment]

        async def auser() -> Any:
            return await sync_to_async(_token_user)(secret)

        request.auser = auser  # type: ignore[attr-defined]

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        self._attach(request)
        if self.is_async:
            return self._acall(request)
        return self.get_response(request)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        return await self.get_response(request)
