"""The HTTP API: django-ninja routers, one per resource, mounted once on one ``NinjaAPI``.

``api`` is imported on first use, not with the package: Django imports this package while it
loads its apps, before the models the routers use can be defined.
"""

from __future__ import annotations

from typing import Any

__all__ = ["api"]


def __getattr__(name: str) -> Any:
    if name == "api":
        from .app import api

        return api
    raise AttributeError(f"module 'remedia.api' has no attribute {name!r}")
