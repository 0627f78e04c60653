"""The submission limit: at most N runs per user in a sliding window, counted from the runs.

The run store already records who submitted what and when, so the count needs no counter of
its own and survives restarts; two submissions racing at the limit may both pass, which a
limit meant to stop runaway clients can afford.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from remedia.executor.store.models import FlowRun

from .problems import RateLimited
from .settings import ApiSettings


def check_submission_rate(user: Any, settings: ApiSettings) -> None:
    """Raise RateLimited (429, with Retry-After) when ``user`` has used up the window."""
    window = dt.timedelta(seconds=settings.submission_window_seconds)
    since = timezone.now() - window
    recent = FlowRun.objects.filter(owner_id=user.pk, created_at__gte=since).order_by("-created_at")
    times = list(recent.values_list("created_at", flat=True)[: settings.submissions_per_window])
    if len(times) < settings.submissions_per_window:
        return
    frees_at = times[-1] + window
    wait = (frees_at - timezone.now()).total_seconds()
    raise RateLimited(
        f"you submitted {settings.submissions_per_window} runs in the last "
        f"{settings.submission_window_seconds} s, the most allowed; try again in "
        f"{max(1, round(wait))} s",
        retry_after=wait,
    )
