"""Where one ``GET /api/v1/runs/{id}`` spends its time, measured in this process.

Starts ``remedia up`` in a temporary folder (as ``api_load.py`` does), corrects one photo
through it, then points this process at the same SQLite file and Redis and sends the request
through Django's test client: no HTTP, no uvicorn, only the middleware, the router and the
view. Prints the mean cost of one request and, with ``--profile``, the functions that cost
most (cProfile, sorted by own time and by cumulative time).

    .venv/bin/python bench/run_read_profile.py                 # ~30 s
    .venv/bin/python bench/run_read_profile.py --profile --requests 2000
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.api_load import remedia_up, submit, wait_until_ended  # noqa: E402


def _embedded_redis(folder: Path) -> str:
    """The ``redis://host:port`` that ``remedia up`` printed as its broker."""
    found = re.search(r"broker\s+(redis://[^/\s]+)/0", (folder / "up.out").read_text())
    if found is None:
        raise SystemExit("remedia up did not name an embedded Redis broker")
    return found.group(1)


def _use_same_stores(folder: Path) -> None:
    redis = _embedded_redis(folder)
    data = folder / "data"
    os.environ |= {
        "REMEDIA_DATABASE_URL": f"sqlite:///{data / 'remedia.sqlite3'}",
        "REMEDIA_STORAGE_URL": (data / "storage").as_uri(),
        "REMEDIA_BROKER_URL": f"{redis}/0",
        "REMEDIA_REDIS_URL": f"{redis}/1",
        "REMEDIA_FLOW_MODULES": "bench.serve_flows",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    import skimage.data

    photo = Path(skimage.data.__file__).parent / "rocket.jpg"
    with (
        tempfile.TemporaryDirectory(prefix="remedia-run-read-") as tmp,
        remedia_up(Path(tmp)) as server,
    ):
        run_id = submit(server, "image.correct", photo, {})
        print(f"image.correct run {run_id}: {wait_until_ended(server, run_id)}")
        _use_same_stores(Path(tmp))
        from remedia.config.django_setup import setup_django

        setup_django()
        from django.test import Client

        client = Client(HTTP_AUTHORIZATION=f"Bearer {server.token}")
        path = f"/api/v1/runs/{run_id}"

        def send(count: int) -> None:
            for _ in range(count):
                response = client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"GET {path} answered {response.status_code}")

        send(50)
        started = time.perf_counter()
        send(args.requests)
        each = (time.perf_counter() - started) / args.requests
        print(f"GET /runs/{{id}} in-process: {each * 1000:.2f} ms a request (n={args.requests})")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(send, args.requests)
            stats = pstats.Stats(profiler).strip_dirs()
            stats.sort_stats("tottime").print_stats(args.top)
            stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
