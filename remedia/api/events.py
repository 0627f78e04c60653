"""``GET /runs/{id}/events``: a run's state and progress as Server-Sent Events."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["runs"])
