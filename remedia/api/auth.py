"""How a request proves who it is: a bearer API token, or the browser's session.

Bearer requests need no CSRF token (a page on another site cannot set the header). Session
requests that change something must send the ``csrftoken`` cookie's value back in the
``X-CSRFToken`` header. Anonymous requests are answered 401 by the problem handlers.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from ninja.security import APIKeyCookie, HttpBearer

from .problems import Forbidden
from .tokens import user_for_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class BearerToken(HttpBearer):
    """``Authorization: Bearer <secret>`` with a secret from ``POST /auth/tokens``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = user_for_token(token.strip())
        if user is not None:
            request.user = user
        return user


def _csrf_failure(request: HttpRequest) -> str | None:
    """The reason Django's CSRF check refuses this request, or None when it passes."""
    reasons: list[str] = []

    class Check(CsrfViewMiddleware):
        def _reject(self, request: HttpRequest, reason: str) -> None:  # type: ignore[override]
            reasons.append(reason)

    check = Check(lambda r: None)  # type: ignore[arg-type,return-value]
    request.csrf_processing_done = False  # type: ignore[attr-defined]
    check.process_request(request)
    check.process_view(request, lambda r: None, (), {})
    return reasons[0] if reasons else None


class BrowserSession(APIKeyCookie):
    """The session cookie set by ``POST /auth/login``; unsafe methods need X-CSRFToken."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS:
            reason = _csrf_failure(request)
            if reason is not None:
                raise Forbidden(
                    f"CSRF check failed ({reason}): send the csrftoken cookie's value in the "
                    "X-CSRFToken header, or authenticate with a bearer token instead"
                )
        return user


api_auth = [BearerToken(), BrowserSession()]
