"""The API's own tables: uploaded assets, API tokens, and what each submission asked for.

Runs themselves belong to the executor's run store; ``Submission`` links a run to the asset
it was given and to the ``Idempotency-Key`` it was sent with, so a retried request finds it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from remedia.executor.store.models import FlowRun


class Asset(models.Model):
    """A file a user uploaded, stored once per content under ``inputs/<sha256>/``."""

    id = models.CharField(primary_key=True, max_length=32)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=255)
    key = models.CharField(max_length=1024)
    digest = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    media_type = models.CharField(max_length=100)
    kind = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"asset {self.id} ({self.name}, {self.media_type})"


class ApiToken(models.Model):
    """A bearer token: only the sha256 of its secret is kept, the secret is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.prefix}… ({self.name}) of user {self.user_id}"


class Submission(models.Model):
    """How a run was asked for: by whom, on which asset, under which idempotency key."""

    run = models.OneToOneField(
        FlowRun, primary_key=True, on_delete=models.CASCADE, related_name="submission"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.SET_NULL)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    request_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="submission_one_run_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"submission of run {self.run_id}"
