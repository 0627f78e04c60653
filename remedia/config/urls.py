"""URLs: the API at ``/api/v1``."""

from django.urls import path

from remedia.api import api

urlpatterns = [
    path("api/v1/", api.urls),
]
