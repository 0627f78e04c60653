"""Start Django once per process, from the ``remedia`` settings unless told otherwise."""

from __future__ import annotations

import os

import django

SETTINGS_MODULE = "remedia.config.settings"


def setup_django() -> None:
    """Idempotent: the worker, the reaper and the tests may all call it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    from django.apps import apps

    if not apps.ready:
        django.setup()


def migrate() -> None:
    """Apply the run store's migrations (quietly; fast when there is nothing to do)."""
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
