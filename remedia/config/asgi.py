"""The ASGI application that ``remedia up`` and the api container serve."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "remedia.config.settings")
application = get_asgi_application()
