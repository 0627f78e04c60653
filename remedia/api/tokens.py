"""API tokens: issue one (its secret shown once), and find the user a secret belongs to.

Secrets are 256 random bits, so a plain sha256 is enough to store them safely (a slow
password hash guards guessable secrets, which these are not) and lets a lookup be one indexed
query. The first characters are kept in clear so a user can tell their tokens apart.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from .models import ApiToken

SECRET_PREFIX = "rmd_"
SHOWN_PREFIX_LENGTH = 12


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """The stored token and its secret (which is never stored and never shown again)."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:SHOWN_PREFIX_LENGTH], digest=digest_of(secret)
    )
    return token, secret


def issue_token(user: AbstractBaseUser, name: str) -> str:
    """A new token for ``user``; returns the secret to put after ``Authorization: Bearer``."""
    return create_token(user, name)[1]


def user_for_token(secret: str) -> AbstractBaseUser | None:
    """The active user a secret belongs to, or None for an unknown or revoked one."""
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest_of(secret)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
