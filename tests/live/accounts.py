"""Users of the service under test, and the credentials an HTTP client presents for them."""

from __future__ import annotations

import uuid
from typing import Any


def make_user(prefix: str = "user", *, staff: bool = False) -> Any:
    """A new user in the service's database (each test its own, so runs never mix)."""
    from django.contrib.auth import get_user_model

    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    return get_user_model().objects.create_user(name, password=uuid.uuid4().hex, is_staff=staff)


def bearer_token(user: Any) -> dict[str, str]:
    """The Authorization header of an API client holding a token of ``user``."""
    from remedia.api.tokens import issue_token

    return {"Authorization": f"Bearer {issue_token(user, 'tests')}"}


def session_cookie(user: Any) -> dict[str, str]:
    """The session cookie a browser holds after ``user`` signed in."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {settings.SESSION_COOKIE_NAME: session.session_key}
