"""CPU time each part of a deployment used while something ran: workers, PostgreSQL, RabbitMQ,
Redis and this client. On a machine with few cores, throughput is bounded by the CPU a run
costs across all of them, so this says where a gap to a peer comes from."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psutil

#: Server processes by their executable's name.
SERVERS = {"postgres": "PostgreSQL", "beam.smp": "RabbitMQ", "redis-server": "Redis"}


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


class CpuUse:
    """CPU seconds by part, for the worker process trees named in ``workers`` (root pids)."""

    def __init__(self, workers: Callable[[], dict[str, int]]) -> None:
        self.workers = workers

    def _sample(self) -> dict[int, tuple[str, float]]:
        found: dict[int, tuple[str, float]] = {}
        for name, root in self.workers().items():
            try:
                tree = psutil.Process(root)
                for process in [tree, *tree.children(recursive=True)]:
                    found[process.pid] = (name, _cpu(process))
            except psutil.NoSuchProcess:
                continue
        for process in psutil.process_iter(["name"]):
            part = SERVERS.get(process.info["name"] or "")
            if part is None or process.pid in found:
                continue
            try:
                found[process.pid] = (part, _cpu(process))
            except psutil.NoSuchProcess:
                continue
        found[os.getpid()] = ("client", _cpu(psutil.Process()))
        return found

    @contextmanager
    def measure(self) -> Iterator[dict[str, float]]:
        """Yields a dict filled, when the block ends, with CPU seconds by part."""
        used: dict[str, float] = {}
        before = self._sample()
        yield used
        for pid, (part, seconds) in self._sample().items():
            start = before.get(pid, (part, 0.0))[1]
            used[part] = used.get(part, 0.0) + max(0.0, seconds - start)
