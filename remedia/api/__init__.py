"""The HTTP API: django-ninja routers, one per resource, mounted once on one ``NinjaAPI``.

Importing this package needs Django configured (``remedia.config.django_setup``).
"""

from .app import api

__all__ = ["api"]
