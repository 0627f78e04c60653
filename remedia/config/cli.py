"""The ``remedia`` command line: one entry point, one small module per command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from remedia.flows import FlowError, ParameterError, UnknownFlow, catalogue

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
    return parser


def _fail(message: str) -> int:
    sys.stderr.write(f"remedia: {message}\n")
    return EXIT_USAGE


def _run(args: argparse.Namespace) -> int:
    name, _, version = args.flow.partition("@")
    try:
        flow = catalogue.flow(name, int(version) if version else None)
    except ValueError:
        return _fail(f"{args.flow!r}: a version after @ is a whole number, e.g. image.correct@1")
    source: Path = args.input
    if not source.is_file():
        return _fail(f"no input file at {source}")
    try:
        params = infer_format(flow, parse_param_pairs(args.param), args.output)
        flow.validate_params(params)
    except (ParamSyntaxError, UsageError, ParameterError) as exc:
        return _fail(str(exc))
    request = RunRequest(flow, source, args.output, params, args.json)
    return run_command(request)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    FlowSettings().load()
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "flows":
            return flows_command(args.json)
    except UnknownFlow as exc:
        return _fail(str(exc))
    except FlowError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        sys.stderr.write("remedia: interrupted before the run started; nothing was written\n")
        return EXIT_CANCELLED
    return _fail(f"unknown command {args.command!r}")


if __name__ == "__main__":
    sys.exit(main())
