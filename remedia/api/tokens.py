"""API tokens: issue one (its secret shown once), and find the user a secret belongs to.

Secrets are 256 random bits, so a plain sha256 is enough to store them safely (a slow
password hash guards guessable secrets, which these are not) and lets a lookup be one indexed
query. The first characters are kept in clear so a user can tell their tokens apart.

Every request of a program authenticates, so the user behind a secret is remembered for a few
seconds (``RECENT_SECONDS``) instead of read on each one. Revoking a token forgets it in this
process at once; other API processes stop accepting it when their entry expires, which also
bounds how long a deactivated user or a change of ``is_staff`` takes to be seen. Unknown and
revoked secrets are never remembered: each one is looked up again.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from .bounded_cache import BoundedCache
from .models import ApiToken

SECRET_PREFIX = "rmd_"
SHOWN_PREFIX_LENGTH = 12
RECENT_SECONDS = 5.0
RECENT_TOKENS = 4096
LAST_USED_RESOLUTION_SECONDS = 60

_recent_users: BoundedCache[str, AbstractBaseUser] = BoundedCache(RECENT_TOKENS, RECENT_SECONDS)


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
    digest = digest_of(secret)
    user = _recent_users.get(digest)
    if user is not None:
        return user
    token = ApiToken.objects.select_related("user").filter(digest=digest).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    last_used = token.last_used_at
    if last_used is None or (now - last_used).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    _recent_users.put(digest, token.user)
    return token.user


def revoke_token(user: AbstractBaseUser, token_id: int) -> bool:
    """Delete one of ``user``'s tokens; False when they have none with that id."""
    digests = list(ApiToken.objects.filter(user=user, pk=token_id).values_list("digest", flat=True))
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    for digest in digests:
        _recent_users.forget(digest)
    return bool(deleted)
