"""The Django app that owns the run store."""

from django.apps import AppConfig


class RunStoreConfig(AppConfig):
    name = "remedia.executor.store"
    label = "executor"
    verbose_name = "remedia runs"
    default_auto_field = "django.db.models.BigAutoField"
