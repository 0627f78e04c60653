"""The ``remedia`` command line: one entry point, one small module per command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from remedia.flows import Flow, FlowError, ParameterError, UnknownFlow, catalogue

from .django_setup import migrate
from .flow_settings import FlowSettings
from .flows_command import flows_command
from .params import ParamSyntaxError, parse_param_pairs
from .run_command import (
    EXIT_CANCELLED,
    EXIT_USAGE,
    RunRequest,
    UsageError,
    infer_format,
    run_command,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="remedia", description="Media corrections as multi-step flows with live progress."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run one correction in this process")
    run.add_argument("flow", help="flow name, e.g. image.correct (NAME@VERSION for a version)")
    run.add_argument("input", type=Path, help="the file to correct")
    run.add_argument("-o", "--output", type=Path, help="output file or folder")
    run.add_argument(
        "-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="a parameter"
    )
    run.add_argument("--json", action="store_true", help="print a JSON summary, no progress")

    flows = commands.add_parser("flows", help="list the flows, their parameters and steps")
    flows.add_argument("--json", action="store_true", help="print JSON")

    submit = commands.add_parser("submit", help="enqueue a run for the workers")
    submit.add_argument("flow", help="flow name, e.g. image.correct (NAME@VERSION for a version)")
    submit.add_argument(
        "input", type=Path, nargs="+", help="the file(s) to correct: one run each, sent together"
    )
    submit.add_argument(
        "-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="a parameter"
    )
    submit.add_argument("--follow", action="store_true", help="watch the steps until the end")
    submit.add_argument("--json", action="store_true", help="print JSON")

    worker = commands.add_parser("worker", help="run steps from the broker")
    worker.add_argument(
        "-Q", "--queues", default="default", help="comma-separated step queues (default: default)"
    )
    worker.add_argument("-c", "--concurrency", type=int, help="processes (default: one per core)")
    worker.add_argument("--pool", default="prefork", choices=["prefork", "solo", "threads"])
    worker.add_argument("--loglevel", default="warning")

    beat = commands.add_parser("beat", help="send the periodic tasks (the reaper)")
    beat.add_argument("--loglevel", default="warning")
    beat.add_argument(
        "--schedule", type=Path, help="beat's state file (default: .remedia/beat-schedule)"
    )

    api = commands.add_parser("api", help="serve the HTTP API (uvicorn, ASGI)")
    api.add_argument("--host", default="127.0.0.1", help="address to listen on")
    api.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    api.add_argument("--processes", type=int, default=1, help="uvicorn worker processes")
    api.add_argument("--loglevel", default="warning")

    up = commands.add_parser(
        "up", help="start API, worker and reaper on this machine, on embedded defaults"
    )
    up.add_argument("--host", default="127.0.0.1", help="address to listen on")
    up.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    up.add_argument(
        "--data-dir", type=Path, default=Path(".remedia"), help="where everything is kept"
    )
    up.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    up.add_argument("--queues", default="default", help="comma-separated step queues")

    commands.add_parser("migrate", help="create or update the run store's tables")
    return parser


def _fail(message: str) -> int:
    sys.stderr.write(f"remedia: {message}\n")
    return EXIT_USAGE


def _flow_and_params(args: argparse.Namespace, output: Path | None) -> tuple[Flow, dict]:
    name, _, version = args.flow.partition("@")
    if version and not version.isdigit():
        raise UsageError(
            f"{args.flow!r}: a version after @ is a whole number, e.g. image.correct@1"
        )
    flow = catalogue.flow(name, int(version) if version else None)
    for source in args.input if isinstance(args.input, list) else [args.input]:
        if not source.is_file():
            raise UsageError(f"no input file at {source}")
    params = infer_format(flow, parse_param_pairs(args.param), output)
    flow.validate_params(params)
    return flow, params


def _run(args: argparse.Namespace) -> int:
    try:
        flow, params = _flow_and_params(args, args.output)
    except (ParamSyntaxError, UsageError, ParameterError) as exc:
        return _fail(str(exc))
    return run_command(RunRequest(flow, args.input, args.output, params, args.json))


def _submit(args: argparse.Namespace) -> int:
    try:
        flow, params = _flow_and_params(args, None)
    except (ParamSyntaxError, UsageError, ParameterError) as exc:
        return _fail(str(exc))
    from .submit_command import submit_command  # Celery and Django load only when needed

    return submit_command(flow, args.input, params, watch=args.follow, as_json=args.json)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        return _run(args)
    if args.command == "flows":
        return flows_command(args.json)
    if args.command == "submit":
        return _submit(args)
    if args.command == "api":
        from .api_command import api_command

        return api_command(args.host, args.port, processes=args.processes, log_level=args.loglevel)
    if args.command == "up":
        from .up_command import UpOptions, up_command

        if args.workers < 1 or not 0 < args.port < 65536:
            return _fail("--workers must be 1 or more and --port between 1 and 65535")
        return up_command(UpOptions(args.host, args.port, args.data_dir, args.workers, args.queues))
    from .worker_command import beat_command, worker_command

    if args.command == "worker":
        queues = args.queues.split(",")
        return worker_command(queues, args.concurrency, args.pool, args.loglevel)
    if args.command == "beat":
        return beat_command(args.loglevel, args.schedule)
    if args.command == "migrate":
        migrate()
        return 0
    return _fail(f"unknown command {args.command!r}")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    FlowSettings().load()
    try:
        return _dispatch(args)
    except UnknownFlow as exc:
        return _fail(str(exc))
    except FlowError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        sys.stderr.write("remedia: interrupted before the run started; nothing was written\n")
        return EXIT_CANCELLED


if __name__ == "__main__":
    sys.exit(main())
