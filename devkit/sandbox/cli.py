"""`telnyx-bot sandbox`: serve the sandbox until interrupted. `add_cli` plugs it into the main argparse."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from devkit.sandbox.config import (
    DEFAULT_API_KEY,
    DEFAULT_PER_DAY,
    FAULT_STATUSES,
    Fault,
    SandboxConfig,
    pace_problem,
)


def parse_fault(text: str) -> tuple[str, Fault]:
    """PATH=STATUS, e.g. /v2/balance=503 or /v2/=429 (argparse type for --fault)."""
    path, sep, status = text.rpartition("=")
    if not sep or not path.startswith("/") or not status.isdigit():
        raise argparse.ArgumentTypeError(f"--fault takes PATH=STATUS, e.g. /v2/balance=503, not {text!r}")
    from devkit.sandbox.faults import fault_path_problem  # loads the spec: only when --fault is given

    problem = fault_path_problem(path)  # a path no request can have would never fault anything
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    try:
        return path, Fault(status=int(status))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_per_day(text: str) -> Decimal:
    """USD a day, e.g. 300 or 120.50 (argparse type for --per-day)."""
    try:
        per_day = Decimal(text)
    except InvalidOperation:
        per_day = None
    problem = "not a number" if per_day is None else pace_problem(per_day)
    if per_day is None or problem:
        raise argparse.ArgumentTypeError(f"--per-day takes USD a day, e.g. 300.00, not {text!r}: {problem}")
    return per_day


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sandbox's flags."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4010, help="port to bind (default 4010, 0 = any free)")
    parser.add_argument(
        "--api-key", default=DEFAULT_API_KEY, help=f"the bearer key to accept ({DEFAULT_API_KEY})"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated account (default 7)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API answer")
    parser.add_argument("--jitter", type=float, default=0.0, help="up to this many more seconds, at random")
    parser.add_argument("--lenient", action="store_true", help="record spec problems but serve anyway")
    parser.add_argument(
        "--per-day",
        type=parse_per_day,
        default=DEFAULT_PER_DAY,
        metavar="USD",
        help=f"what the account spends a day on average (default {DEFAULT_PER_DAY}); POST /_sandbox/spend "
        "changes it while it runs",
    )
    parser.add_argument(
        "--frozen",
        action="store_true",
        help="keep the account's time still (only POST /_sandbox/clock moves it); by default it follows real "
        "time, so the account is seen to spend",
    )
    parser.add_argument(
        "--fault",
        type=parse_fault,
        action="append",
        default=[],
        metavar="PATH=STATUS",
        help=f"answer STATUS ({', '.join(map(str, FAULT_STATUSES))}) to requests whose path starts with PATH "
        "(a Telnyx API path such as /v2/balance, or /v2/ for all); repeatable",
    )


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    """A SandboxConfig from parsed flags; latency/jitter become a fault on /v2/ under the error faults."""
    faults: dict[str, Fault] = {}
    if args.latency or args.jitter:
        faults["/v2/"] = Fault(latency=args.latency, jitter=args.jitter)
    for path, fault in args.fault:
        faults[path] = Fault(latency=args.latency, jitter=args.jitter, status=fault.status)
    return SandboxConfig(
        api_key=args.api_key,
        seed=args.seed,
        host=args.host,
        port=args.port,
        strict=not args.lenient,
        faults=faults,
        live=not args.frozen,
        per_day=args.per_day,
    )


async def serve(host: str, port: int, cfg: SandboxConfig | None = None) -> None:
    """Serve until cancelled (Ctrl-C), printing where and with which key."""
    from devkit.sandbox.server import Sandbox  # the server loads when it is served, not with the CLI

    cfg = replace(cfg or SandboxConfig(), host=host, port=port)
    async with Sandbox(cfg) as sb:
        print(f"Telnyx sandbox on {sb.base_url}")
        print(f"  TELNYX_BASE_URL={sb.base_url}")
        # `NAME=value  # comment`: both lines can be pasted into .env or a shell as they are
        print(f"  TELNYX_API_KEY={cfg.api_key}   # the sandbox's own fake key")
        print(f"  admin: {sb.url}/_sandbox/requests, /_sandbox/faults, /_sandbox/reset")
        clock = "follows real time" if cfg.live else "frozen until POST /_sandbox/clock moves it"
        print(f"  spends {cfg.per_day} USD a day on average; its clock {clock}")
        print("  knobs: POST /_sandbox/clock, /_sandbox/balance, /_sandbox/spend, /_sandbox/webhook_failures")
        for fault in sb.faults.describe():
            print(f"  fault: {fault}")
        sys.stdout.flush()  # a parent process reads the URL from a pipe
        await asyncio.Event().wait()


def run(args: argparse.Namespace) -> int:
    """Entry for the parsed `sandbox` subcommand."""
    cfg = config_from_args(args)
    try:
        asyncio.run(serve(cfg.host, cfg.port, cfg))
    except KeyboardInterrupt:
        pass
    return 0


def add_cli(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Add `sandbox` to the main CLI's subcommands; the handler is in `func`."""
    parser = subparsers.add_parser("sandbox", help="serve the fake Telnyx account API on loopback")
    add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m devkit.sandbox [flags]`."""
    parser = argparse.ArgumentParser(prog="python -m devkit.sandbox", description="Serve the Telnyx sandbox.")
    add_arguments(parser)
    return run(parser.parse_args(argv))
