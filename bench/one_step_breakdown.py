"""Where remedia's time goes: a chain run the way a worker runs it, in this process, with
no broker (the publisher records), each part timed and its SQL statements counted."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.deployment import build_service
from remedia.executor.store.outbound import Publisher


class RecordingPublisher(Publisher):
    def __init__(self) -> None:
        self.steps: list[int] = []
        self.runs: list[str] = []

    def publish_step(self, step_id: int, run_id: str, queue: str, timeout=None) -> None:  # type: ignore[no-untyped-def]
        self.steps.append(step_id)
        self.runs.append(run_id)

    def schedule_advance(self, run_id: str, countdown: float) -> None:
        return None


@contextmanager
def counting_queries(counts: dict[str, int], name: str):  # type: ignore[no-untyped-def]
    from django.db import connection

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        counts[name] = counts.get(name, 0) + 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def execute_here(service, claim):  # type: ignore[no-untyped-def]
    """Run a claimed step in this process, as a worker would, without heartbeat or progress."""
    from remedia.executor.attempt import execute_attempt
    from remedia.flows import StepContext

    ctx = StepContext(
        storage=service.storage,
        output_prefix=claim.output_prefix,
        run_id=claim.run_id,
        node_key=claim.node,
        throttle_seconds=0,
    )
    return execute_attempt(claim.step, claim.inputs, ctx)


def breakdown(folder: Path, token: str, steps: int, reps: int) -> dict[str, Any]:
    """The chain's steps as a worker runs them, in this process: the delivered first step is
    read and started at once (``claim``: ``claim_later``; its claim commits with its outcome),
    and each later one is claimed by the commit that settles the step before it
    (``continue``); the last step is settled alone (``finish``). ms and SQL per step."""
    from bench.noop_flows import noop_chain

    publisher = RecordingPublisher()
    service = build_service("", "", f"bench-{token}:prof:", folder, publisher)
    parts: dict[str, list[float]] = {
        "submit": [],
        "claim": [],
        "execute": [],
        "continue": [],
        "finish": [],
    }
    queries: dict[str, int] = {}

    def timed(name: str, call: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        with counting_queries(queries, name):
            result = call()
        parts[name].append(time.perf_counter() - started)
        return result

    for _ in range(reps + 1):
        publisher.steps.clear()
        run_id = timed("submit", lambda: service.submit(noop_chain, {}, {"steps": steps}))
        first = publisher.steps.pop(0)
        claim = timed("claim", lambda sid=first, rid=run_id: service.claim_later(sid, rid))
        while claim is not None:
            outcome = timed("execute", lambda c=claim: execute_here(service, c))
            last = claim.node == noop_chain_last(steps)
            claim = timed(
                "finish" if last else "continue",
                lambda c=claim, o=outcome, q=() if last else ("default",): (
                    service.finish_and_continue(c, o, queues=q)[1]
                ),
            )
    runs = reps + 1
    per = {"submit": runs, "claim": runs, "finish": runs, "continue": runs * (steps - 1)}
    return {
        name: {
            "ms": statistics.median(values) * 1000,
            "sql": queries.get(name, 0) / per.get(name, runs * steps),
        }
        for name, values in parts.items()
        if values
    }


def noop_chain_last(steps: int) -> str:
    """The node key of the last step of a ``steps``-long no-op chain."""
    from bench.noop_flows import noop_chain

    return noop_chain.trace(noop_chain.validate_params({"steps": steps})).nodes[-1].key
