"""The ASGI application that ``remedia up`` and the api container serve."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "remedia.config.settings")
django_application = get_asgi_application()

from remedia.api.upload_gate import UploadGate, upload_limit  # noqa: E402 (needs Django set up)

application = UploadGate(django_application, upload_limit)
