"""The Django app that owns the API's own tables (assets, API tokens)."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "remedia.api"
    label = "api"
    verbose_name = "remedia API"
    default_auto_field = "django.db.models.BigAutoField"
