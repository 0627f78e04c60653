"""The first administrator of a ``remedia up`` deployment, made once and remembered.

A one-machine deployment has nobody to run ``createsuperuser``, so the first start makes an
``admin`` account with a random password and an API token, and keeps both in a file only the
owner can read (``<data>/admin.json``), so later starts can print them again.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class AdminAccount:
    username: str
    password: str
    token: str


def ensure_admin(data_dir: Path) -> AdminAccount:
    """The admin account, created on the first call; Django must be set up."""
    from django.contrib.auth import get_user_model

    from remedia.api.tokens import issue_token

    record = data_dir / "admin.json"
    User = get_user_model()
    if record.exists():
        saved = AdminAccount(**json.loads(record.read_text()))
        if User.objects.filter(username=saved.username).exists():
            return saved
    password = secrets.token_urlsafe(12)
    user = User.objects.filter(username=ADMIN_USERNAME).first()
    if user is None:
        user = User.objects.create_superuser(ADMIN_USERNAME, email="", password=password)
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    account = AdminAccount(ADMIN_USERNAME, password, issue_token(user, "remedia up"))
    record.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(record, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(account), handle)
    return account
