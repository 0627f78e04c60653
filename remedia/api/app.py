"""The one ``NinjaAPI`` under ``/api/v1``: every router is mounted here, and only here."""

from __future__ import annotations

from ninja import NinjaAPI

from . import events

api = NinjaAPI(
    title="remedia",
    version="1",
    description="Media corrections as multi-step flows, with live progress per step.",
    urls_namespace="api-v1",
)
api.add_router("/runs", events.router)
