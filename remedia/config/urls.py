"""URLs: the API at ``/api/v1``, and the web UI at ``/`` for everything else."""

from django.urls import path

from remedia.api import api

from . import web_ui

urlpatterns = [
    path("api/v1/", api.urls),
    *web_ui.urlpatterns,
]
