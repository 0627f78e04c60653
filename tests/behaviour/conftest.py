"""The ``executor`` fixture: every behaviour test runs once per executor.

``local`` is the in-process executor; ``celery-rabbitmq`` and ``celery-redis`` submit to real
worker processes over each broker, with the run store on PostgreSQL (or on SQLite when
``REMEDIA_TEST_DATABASE=sqlite``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.distributed import DistributedHarness

from .harness import HARNESSES, Harness

DISTRIBUTED = {"celery-rabbitmq": "rabbitmq", "celery-redis": "redis"}


@pytest.fixture(params=[*sorted(HARNESSES), *DISTRIBUTED])
def executor(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param in DISTRIBUTED:
        pool = request.getfixturevalue("cluster_pool")
        cluster, service = pool.get(DISTRIBUTED[request.param])
        harness: Harness = DistributedHarness(request.param, cluster, service)
    else:
        harness = HARNESSES[request.param](tmp_path / request.param)
    try:
        yield harness
    finally:
        harness.close()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """Where the test flows keep what outlives one attempt: execution counts, markers."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder
