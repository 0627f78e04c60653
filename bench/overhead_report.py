"""The step-overhead report: the table, the goals, the CPU per run by process."""

from __future__ import annotations

import argparse
import json
import os
import statistics

GOAL_LATENCY_RATIO = 2.0
GOAL_THROUGHPUT_SHARE = 0.70
GOAL_PREFECT_FACTOR = 10.0


def per_step_ms(seconds: list[float], steps: int) -> float:
    return statistics.median(seconds) / steps * 1000


def cpu_lines(main: dict, embedded: dict | None, runs: int) -> list[str]:  # type: ignore[type-arg]
    """CPU ms per run of the throughput measurement, by part of the deployment."""
    columns = [("remedia", main["remedia_cpu"]), ("raw Celery", main["celery_cpu"])]
    if "stored_cpu" in main:
        columns.append(("Celery + results in PostgreSQL", main["stored_cpu"]))
    if embedded:
        columns.append(("embedded", embedded["remedia_cpu"]))
    parts = sorted({part for _, used in columns for part in used})
    lines = [
        "CPU ms per run during the throughput measurement, by process:",
        "",
        "| process | " + " | ".join(name for name, _ in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for part in [*parts, "all"]:
        cells = []
        for _, used in columns:
            seconds = sum(used.values()) if part == "all" else used.get(part, 0.0)
            cells.append(f"{seconds / runs * 1000:.2f}")
        lines.append(f"| {part} | " + " | ".join(cells) + " |")
    return lines


def report(args: argparse.Namespace, main: dict, embedded: dict | None, prefect: dict | None):  # type: ignore[no-untyped-def]
    steps, runs = args.steps, args.runs
    remedia_ms = per_step_ms(main["remedia_chain"], steps)
    celery_ms = per_step_ms(main["celery_chain"], steps)
    remedia_rate = runs / main["remedia_batch"]
    celery_rate = runs / main["celery_batch"]
    lines = [
        f"step overhead: {steps}-step no-op chain, median of {args.reps}; {runs} one-step runs"
        f" submitted {args.batch} at a time;"
        f" worker concurrency {args.concurrency}, {os.cpu_count()} cores",
        "",
        "| what | ms / step | runs / s |",
        "|---|---|---|",
        f"| remedia (RabbitMQ + PostgreSQL) | {remedia_ms:.1f} | {remedia_rate:.0f} |",
        f"| raw Celery chain (RabbitMQ) | {celery_ms:.1f} | {celery_rate:.0f} |",
    ]
    if "stored_batch" in main:
        lines.append(
            "| Celery + PostgreSQL result backend (RabbitMQ) | - "
            f"| {runs / main['stored_batch']:.0f} |"
        )
    if prefect:
        prefect_ms = per_step_ms(prefect["prefect_chain"], steps)
        lines.append(
            f"| Prefect {prefect['prefect_version']} (ephemeral server) | {prefect_ms:.1f} | - |"
        )
    if embedded:
        lines.append(
            f"| remedia embedded (Redis broker + SQLite) "
            f"| {per_step_ms(embedded['remedia_chain'], steps):.1f} "
            f"| {runs / embedded['remedia_batch']:.0f} |"
        )
    latency_ratio = remedia_ms / celery_ms
    share = remedia_rate / celery_rate

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    lines += [
        "",
        f"remedia / Celery per step: {latency_ratio:.2f}x "
        f"(goal <= {GOAL_LATENCY_RATIO:g}x: {verdict(latency_ratio <= GOAL_LATENCY_RATIO)})",
        f"remedia throughput / Celery: {share:.0%} "
        f"(goal >= {GOAL_THROUGHPUT_SHARE:.0%}: {verdict(share >= GOAL_THROUGHPUT_SHARE)})",
    ]
    if "stored_batch" in main:
        stored_share = remedia_rate / (runs / main["stored_batch"])
        lines.append(f"remedia throughput / Celery storing each result: {stored_share:.0%}")
    if prefect:
        factor = per_step_ms(prefect["prefect_chain"], steps) / remedia_ms
        lines.append(
            f"Prefect / remedia per step: {factor:.1f}x "
            f"(goal >= {GOAL_PREFECT_FACTOR:g}x: {verdict(factor >= GOAL_PREFECT_FACTOR)})"
        )
    lines += ["", *cpu_lines(main, embedded, runs)]
    lines += [
        "",
        "remedia in one process (no broker), median ms and SQL statements; claim: the first step,",
        "continue: settle a step and claim the next in one commit, finish: settle the last:",
    ]
    for name, part in main["breakdown"].items():
        unit = "per run" if name == "submit" else "per call"
        lines.append(f"  {name:8s} {part['ms']:6.2f} ms  {part['sql']:5.1f} SQL {unit}")
    raw_values = {
        "remedia_chain_s": main["remedia_chain"],
        "celery_chain_s": main["celery_chain"],
        "prefect_chain_s": (prefect or {}).get("prefect_chain"),
        "embedded_chain_s": (embedded or {}).get("remedia_chain"),
    }
    lines += ["", "raw: " + json.dumps({k: v for k, v in raw_values.items() if v}, default=str)]
    print("\n".join(lines))
