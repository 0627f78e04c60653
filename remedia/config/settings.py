"""Django settings, all from ``REMEDIA_*`` environment variables with embedded defaults.

Point ``DJANGO_SETTINGS_MODULE`` here (the ``remedia`` command does it for you).
"""

from __future__ import annotations

import os

from .database import DatabaseSettings

SECRET_KEY = os.environ.get("REMEDIA_SECRET_KEY", "insecure-embedded-default-change-me")
DEBUG = os.environ.get("REMEDIA_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("REMEDIA_ALLOWED_HOSTS", "*").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "remedia.executor.store",
    "remedia.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "remedia.api.bearer_middleware.BearerTokenMiddleware",
]
ROOT_URLCONF = "remedia.config.urls"
# The API's interactive docs page (/api/v1/docs) is a Django template.
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]

DATABASES = {"default": DatabaseSettings().django()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# Uploads: every file goes straight to a temporary file on disk (never held in memory), through
# the API's size limit first; a JSON or form body is read into memory only up to 2.5 MB.
FILE_UPLOAD_HANDLERS = [
    "remedia.api.upload_limit.UploadSizeLimit",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The browser sends the csrftoken cookie's value back in X-CSRFToken on unsafe requests.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("REMEDIA_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("REMEDIA_LOG_LEVEL", "WARNING")},
}
