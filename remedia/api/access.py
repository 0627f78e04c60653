"""Who may see what: a user sees and acts on their own runs and assets; staff see all.

Another user's object answers 404, exactly as one that does not exist, so ids cannot be
probed. Every router asks here and nowhere else.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from remedia.executor.store.models import FlowRun

from .fixed_runs import FixedRun, fixed_run
from .models import Asset
from .problems import NotFound
from .runtime import runtime


def may_see_run(user: Any, run: FlowRun | FixedRun) -> bool:
    """Whether ``user`` may read, cancel, retry, re-run or download from ``run``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff) or run.owner_id == user.pk


def visible_runs(user: Any) -> QuerySet[FlowRun]:
    """The runs ``user`` may list."""
    runs = FlowRun.objects.all()
    return runs if user.is_staff else runs.filter(owner_id=user.pk)


def run_for(user: Any, run_id: str) -> FlowRun:
    """The run, or NotFound whether it is missing or belongs to someone else."""
    run = FlowRun.objects.filter(id=run_id).first()
    if run is None or not may_see_run(user, run):
        raise NotFound(f"no run with id '{run_id}'; list yours with GET /api/v1/runs")
    return run


def readable_run(user: Any, run_id: str) -> FixedRun:
    """As ``run_for``, from the run's parts this process already read when it has them: the
    owner never changes, so the check needs no query after the first read of the run."""
    run = fixed_run(run_id, runtime().catalogue)
    if run is None or not may_see_run(user, run):
        raise NotFound(f"no run with id '{run_id}'; list yours with GET /api/v1/runs")
    return run


def asset_for(user: Any, asset_id: str) -> Asset:
    """The asset, or NotFound whether it is missing or belongs to someone else."""
    asset = Asset.objects.filter(id=asset_id).first()
    if asset is None or not (user.is_staff or asset.owner_id == user.pk):
        raise NotFound(f"no asset with id '{asset_id}'; upload one with POST /api/v1/assets")
    return asset
