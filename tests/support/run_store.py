"""The run store's database for the suite: PostgreSQL by default, SQLite when asked.

``REMEDIA_TEST_DATABASE=sqlite`` runs the same tests on SQLite; ``./run-tests`` runs the
distributed suites on both. The PostgreSQL database is made fresh once per test session.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg

from .services import POSTGRES

ADMIN_URL = os.environ.get("REMEDIA_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


def test_database_kind() -> str:
    kind = os.environ.get("REMEDIA_TEST_DATABASE", "postgres")
    if kind not in ("postgres", "sqlite"):
        raise ValueError(f"REMEDIA_TEST_DATABASE={kind!r}: use postgres or sqlite")
    return kind


def create_test_database(folder: Path) -> str:
    """A new, empty database for this session; returns its REMEDIA_DATABASE_URL."""
    if test_database_kind() == "sqlite":
        return f"sqlite:///{folder / 'runs.sqlite3'}"
    POSTGRES.require()
    name = f"remedia_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user = os.environ.get("USER", "root")
    return f"postgresql://{user}@127.0.0.1:5432/{name}"


def drop_test_database(url: str) -> None:
    if not url.startswith("postgresql://"):
        return
    name = url.rsplit("/", 1)[-1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
