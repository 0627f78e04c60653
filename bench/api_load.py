"""Latency of ``GET /runs/{id}`` under 50 concurrent clients, and of progress reaching SSE.

Starts ``remedia up`` in a temporary folder (embedded Redis as broker and live store, SQLite,
local storage; the worker also imports ``bench.serve_flows``), signs in with the admin token
it prints, and measures over real HTTP on 127.0.0.1:

1. ``GET /api/v1/runs/{id}`` of a completed ``image.correct`` run, from ``--clients``
   keep-alive connections at once, each sending its next request when the last one answered
   (closed loop: the server's saturation throughput, and the queueing delay at it), then
   again with each client pacing itself to each of ``--rates`` requests a second (fixed
   offered loads: the latency a client sees at a rate the server may or may not sustain).
   Prints p50 / p99 / max, the offered and the achieved throughput; a paced pass whose
   achieved rate falls short of the offered one is marked ``SATURATED``.
2. The delay from a step's ``ctx.progress`` call to an SSE client receiving the event: a step
   reports ``--reports`` times, each message its call's ``time.time()``, while 1 and then
   ``--watchers`` clients follow ``/events``. Prints p50 / p95 / max.

    .venv/bin/python bench/api_load.py                   # ~3 min on a 2-core machine
    .venv/bin/python bench/api_load.py --clients 50 --requests 200 --rates 1,2,4
    .venv/bin/python bench/api_load.py --watchers 0      # GET /runs/{id} only

Needs nothing running; removes its folder and stops every process it started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from remedia.config.embedded_redis import free_port  # noqa: E402


@dataclass(frozen=True)
class Server:
    url: str
    token: str

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@contextmanager
def remedia_up(folder: Path) -> Iterator[Server]:
    """``remedia up`` on a free port; yields once it printed its banner."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMEDIA_")}
    env |= {"REMEDIA_FLOW_MODULES": "bench.serve_flows", "PYTHONPATH": str(ROOT)}
    out = folder / "up.out"
    with out.open("wb") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "remedia.config.cli", "up", "--port", str(port),
             "--data-dir", str(folder / "data"), "--workers", "1"],
            cwd=folder, env=env, stdout=stdout, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while "Ctrl-C" not in out.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"remedia up did not start:\n{out.read_text()}")
            time.sleep(0.2)
        token = json.loads((folder / "data" / "admin.json").read_text())["token"]
        yield Server(f"http://127.0.0.1:{port}", token)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def submit(server: Server, flow: str, photo: Path, params: dict[str, object]) -> str:
    with httpx.Client(base_url=server.url, headers=server.headers(), timeout=60) as client:
        with photo.open("rb") as handle:
            asset = client.post("/api/v1/assets", files={"file": (photo.name, handle)})
        asset.raise_for_status()
        body = {"flow": flow, "asset_id": asset.json()["id"], "params": params}
        run = client.post("/api/v1/runs", json=body)
        run.raise_for_status()
        return str(run.json()["id"])


def wait_until_ended(server: Server, run_id: str) -> str:
    with (
        httpx.Client(base_url=server.url, headers=server.headers(), timeout=120) as client,
        client.stream("GET", f"/api/v1/runs/{run_id}/events") as response,
    ):
        kind = ""
        for line in response.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "end":
                return str(json.loads(line[6:])["state"])
    raise SystemExit(f"the event stream of run {run_id} closed before its end")


# --- 1. GET /runs/{id}: a minimal keep-alive HTTP/1.1 client, so the client costs little ---


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(
        (
            int(v)
            for k, _, v in (h.partition(":") for h in lines[1:])
            if k.lower() == "content-length"
        ),
        None,
    )
    if length is None:
        raise RuntimeError(f"no Content-Length in the answer:\n{head.decode('latin-1')}")
    await reader.readexactly(length)
    return status


async def _client(
    server: Server, path: str, requests: int, interval: float, latencies: list[float]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {server.token}\r\n\r\n"
    ).encode()
    try:
        # Paced clients start at random phases, as independent users would, not in step.
        next_at = time.perf_counter() + random.uniform(0, interval)
        for _ in range(requests):
            if interval:
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                next_at += interval
            started = time.perf_counter()
            status = await _get(reader, writer, request)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
    finally:
        writer.close()


async def get_load(
    server: Server, run_id: str, clients: int, requests: int, rate: float
) -> tuple[list[float], float]:
    latencies: list[float] = []
    interval = 1 / rate if rate else 0.0
    path = f"/api/v1/runs/{run_id}"
    started = time.perf_counter()
    await asyncio.gather(
        *(_client(server, path, requests, interval, latencies) for _ in range(clients))
    )
    return latencies, time.perf_counter() - started


# --- 2. ctx.progress -> SSE client ---------------------------------------------------------


async def _watch(server: Server, run_id: str, delays: list[float]) -> None:
    url = f"{server.url}/api/v1/runs/{run_id}/events"
    async with (
        httpx.AsyncClient(headers=server.headers(), timeout=300) as client,
        client.stream("GET", url) as response,
    ):
        kind = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "progress":
                received = time.time()
                delays.append(received - float(json.loads(line[6:])["message"]))
            elif line.startswith("data: ") and kind == "end":
                return


async def event_delays(
    server: Server, photo: Path, watchers: int, reports: int, gap: float
) -> list[float]:
    params = {"reports": reports, "gap": gap, "start_after": 1.0 + watchers * 0.05}
    run_id = submit(server, "bench.progress_reports", photo, params)
    delays: list[float] = []
    await asyncio.gather(*(_watch(server, run_id, delays) for _ in range(watchers)))
    return delays


# --- figures -------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def ms(values: list[float], *qs: float) -> str:
    parts = [f"p{q:g} {percentile(values, q) * 1000:6.1f} ms" for q in qs]
    return "  ".join([*parts, f"max {max(values) * 1000:6.1f} ms", f"n={len(values)}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=100, help="per client, per pass")
    parser.add_argument(
        "--rates", default="1,2,3", help="paced passes: req/s per client, comma-separated"
    )
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--gap", type=float, default=0.12)
    parser.add_argument("--watchers", type=int, default=50)
    args = parser.parse_args()
    import skimage.data

    photo = Path(skimage.data.__file__).parent / "rocket.jpg"
    with (
        tempfile.TemporaryDirectory(prefix="remedia-api-load-") as tmp,
        remedia_up(Path(tmp)) as server,
    ):
        run_id = submit(server, "image.correct", photo, {})
        print(f"image.correct run {run_id}: {wait_until_ended(server, run_id)}")
        asyncio.run(get_load(server, run_id, args.clients, 5, 0))  # warm up every connection
        rates = [float(r) for r in args.rates.split(",") if r.strip()]
        for rate in [0.0, *rates]:
            latencies, seconds = asyncio.run(
                get_load(server, run_id, args.clients, args.requests, rate)
            )
            achieved = len(latencies) / seconds
            label = "closed loop" if not rate else f"paced {rate:g}/s each"
            offered = args.clients * rate
            verdict = ""
            if rate:
                # Paced clients start at random phases within one interval, so a sustained
                # pass ends within about one interval of requests / rate seconds.
                sustained = seconds <= (args.requests + 1.5) / rate
                verdict = f"  offered {offered:.0f}" + ("" if sustained else "  SATURATED")
            print(
                f"GET /runs/{{id}}, {args.clients} clients, {label}: {ms(latencies, 50, 99)}"
                f"  {achieved:.0f} req/s{verdict}"
            )
        for watchers in (1, args.watchers) if args.watchers else ():
            delays = asyncio.run(event_delays(server, photo, watchers, args.reports, args.gap))
            print(f"ctx.progress -> SSE, {watchers} watcher(s): {ms(delays, 50, 95)}")


if __name__ == "__main__":
    main()
