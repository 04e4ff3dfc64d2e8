"""`telnyx-bot`: run (Socket Mode, HTTP, or the local console when Slack is not configured), check, sandbox, console."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ConfigError
from bot.heap import built_with_collector_paused

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from bot.config import Settings
    from bot.startup import SlackRefused, SlackUnreachable

logger = logging.getLogger("telnyx-bot")
EXIT_CONFIG = 2


def config_problem_text(err: ConfigError) -> str:
    """One message listing every problem and how to fix it."""
    lines = [f"The configuration has {len(err.problems)} problem(s):"]
    lines += [f"  - {p}" for p in err.problems]
    lines.append("Set these in the environment or in .env (see .env.example), then run again.")
    return "\n".join(lines)


DEVKIT_MISSING = (
    "the local console and the sandbox are in the development kit, which is not installed: "
    "run `make run` (or `pip install '.[console]'` in the project folder)"
)


def devkit_missing(*_args: object) -> int:
    """What `telnyx-bot console|sandbox` (or `run` without Slack tokens) says without the dev kit."""
    print(f"telnyx-bot: {DEVKIT_MISSING}.", file=sys.stderr)
    return EXIT_CONFIG


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="telnyx-bot", description="The Telnyx account in Slack.")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser(
        "run", help="run the bot: Socket Mode, HTTP mode, or the local console without Slack tokens"
    )
    run.add_argument("--http", action="store_true", help="serve HTTP (POST /slack/events, GET /healthz)")
    run.add_argument(
        "--host", default="127.0.0.1", help="HTTP mode: address to listen on (default 127.0.0.1)"
    )
    run.add_argument("--port", type=int, default=3000, help="HTTP mode: port (default 3000)")
    sub.add_parser(
        "check",
        help="validate the configuration, then call Slack auth.test (and apps.connections.open with an "
        "app-level token) and Telnyx GET /balance",
    )
    try:
        from devkit.console import add_cli as add_console_cli
        from devkit.sandbox import add_cli as add_sandbox_cli
    except ImportError:  # the product alone (`pip install .`): say how to get the development kit
        for name in ("console", "sandbox"):
            stub = sub.add_parser(name, help=f"(needs the console extra) {DEVKIT_MISSING}")
            stub.set_defaults(func=devkit_missing, handler=devkit_missing)
    else:
        add_sandbox_cli(sub)
        add_console_cli(sub)
    return parser


def _failure(err: SlackRefused | SlackUnreachable, settings: Settings) -> str:
    """Why a Slack check failed, after its name: Slack's error code and the fix, or the outage."""
    from bot.startup import SlackRefused

    if isinstance(err, SlackRefused):
        return f"({err.refusal.error}): {err.refusal.reason}. {err.refusal.fix}"
    return f"(cannot reach {settings.slack_api_url}: {err.reason})"


async def run_check(settings: Settings) -> int:
    """Print OK or the reason for each: configuration, Slack (both tokens), Telnyx."""
    from bot.errors import TelnyxError
    from bot.startup import SlackRefused, SlackUnreachable, check_app_token, check_bot_token
    from bot.telnyx_client import TelnyxGateway
    from formatting.telnyx_errors import hint, message

    failures = 0
    print("configuration: OK")
    if settings.slack_bot_token:
        try:
            auth = await check_bot_token(settings)
            print(f"slack auth.test: OK (team {auth.get('team')}, bot user {auth.get('user')})")
        except (SlackRefused, SlackUnreachable) as err:
            failures += 1
            print(f"slack auth.test: FAILED {_failure(err, settings)}")
    else:
        print("slack: not configured (SLACK_BOT_TOKEN unset): `make run` starts the local console")
    if settings.slack_app_token:
        try:
            await check_app_token(settings)
            print("slack apps.connections.open: OK (Socket Mode can connect)")
        except (SlackRefused, SlackUnreachable) as err:
            failures += 1
            print(f"slack apps.connections.open: FAILED {_failure(err, settings)}")
    if settings.telnyx_api_key:
        gateway = TelnyxGateway.from_settings(settings)
        try:
            fresh = await gateway.balance()
            print(f"telnyx GET /balance: OK ({fresh.value.currency} account)")
        except TelnyxError as err:
            failures += 1
            print(f"telnyx GET /balance: FAILED: {message(err)} {hint(err)}")
        finally:
            await gateway.aclose()
    else:
        print("telnyx: not configured (TELNYX_API_KEY unset): the console uses the built-in sandbox account")
    return 1 if failures else 0


async def until_slack_accepts(settings: Settings, *, socket_mode: bool) -> int | None:
    """Before serving: wait until Slack accepts the tokens (None: go on), or the exit code to stop with.

    A refused token stops the start with one line (exit 2); SIGTERM or Ctrl-C while Slack is out of reach
    stops it cleanly (exit 0).
    """
    from bot.server import wait_for_signal
    from bot.startup import SlackRefused, wait_for_slack

    waiting = asyncio.ensure_future(wait_for_slack(settings, socket_mode=socket_mode))
    signalled = asyncio.ensure_future(wait_for_signal())
    try:
        done, _ = await asyncio.wait({waiting, signalled}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
        signalled.cancel()
        await asyncio.gather(waiting, signalled, return_exceptions=True)
    if waiting not in done:
        logger.info("stopped while waiting for Slack")
        return 0
    try:
        auth = waiting.result()
    except SlackRefused as err:
        print(f"telnyx-bot: {err}", file=sys.stderr)
        return EXIT_CONFIG
    logger.info("Slack accepts the tokens (team %s, bot user %s)", auth.get("team"), auth.get("user"))
    return None


def read_settings(env_file: Path | str | None = ".env") -> Settings:
    """The settings (the environment, then `env_file`), logging configured; built with the garbage
    collector paused, their imports included (bot/heap.py). Raises ConfigError."""
    with built_with_collector_paused():
        from bot.config import configure_logging, load_settings

        settings = load_settings(env_file)
        configure_logging(settings)
    return settings


def build_app(settings: Settings) -> AsyncApp:
    """The app, imports included, built with the garbage collector paused (bot/heap.py)."""
    with built_with_collector_paused():
        from bot.app import create_app

        return create_app(settings)


async def run_bot(settings: Settings, args: argparse.Namespace) -> int:
    """Socket Mode with an app token, HTTP with --http, otherwise the console."""
    if args.http:
        if not settings.slack_signing_secret or not settings.slack_bot_token:
            print(
                config_problem_text(
                    ConfigError(
                        [
                            "HTTP mode needs SLACK_SIGNING_SECRET (Basic Information > Signing Secret) and SLACK_BOT_TOKEN.",
                        ]
                    )
                ),
                file=sys.stderr,
            )
            return EXIT_CONFIG
        app = build_app(settings)
        if (stopped := await until_slack_accepts(settings, socket_mode=False)) is not None:
            return stopped
        from bot.server import serve_http

        await serve_http(app, args.host, args.port)
        return 0
    if settings.slack_app_token and settings.slack_bot_token:
        app = build_app(settings)
        if (stopped := await until_slack_accepts(settings, socket_mode=True)) is not None:
            return stopped
        from bot.server import serve_socket_mode
        from bot.socket_mode import AppTokenRefused
        from bot.startup import Refusal

        try:
            await serve_socket_mode(app, settings.slack_app_token.get_secret_value())
        except AppTokenRefused as refused:  # accepted at start, refused later (revoked while running)
            print(
                f"telnyx-bot: {Refusal('SLACK_APP_TOKEN', 'apps.connections.open', refused.error).line()}",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        return 0
    if settings.slack_bot_token or settings.slack_app_token:
        print(
            config_problem_text(
                ConfigError(
                    [
                        "Socket Mode needs both SLACK_BOT_TOKEN (xoxb-...) and SLACK_APP_TOKEN (xapp-...); "
                        "for HTTP mode use `telnyx-bot run --http` with SLACK_SIGNING_SECRET.",
                    ]
                )
            ),
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        from devkit.console import run_console
    except ImportError:
        message = (
            "telnyx-bot: no Slack tokens are set, so it would start the local console, but "
            f"{DEVKIT_MISSING}. To run in Slack, set SLACK_BOT_TOKEN (see .env.example)."
        )
        print(message, file=sys.stderr)
        return EXIT_CONFIG
    return int(await run_console(settings, script=None))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `telnyx-bot` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if getattr(args, "handler", None) is devkit_missing:  # the dev kit is not installed
        print(f"telnyx-bot: {DEVKIT_MISSING}.", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "sandbox":  # needs no settings: it is the fake Telnyx account itself
        return int(args.func(args))
    try:
        settings = read_settings()
    except ConfigError as err:
        print(config_problem_text(err), file=sys.stderr)
        return EXIT_CONFIG
    try:
        if args.command == "check":
            return asyncio.run(run_check(settings))
        if args.command == "run":
            return asyncio.run(run_bot(settings, args))
        return int(asyncio.run(args.handler(settings, args)))
    except KeyboardInterrupt:
        return 0
    except ConfigError as err:  # found while building the app: a bad policy file, a missing key
        print(config_problem_text(err), file=sys.stderr)
        return EXIT_CONFIG
    except Exception:  # noqa: BLE001 - the last line of defence: a message, never a traceback
        logger.exception("telnyx-bot stopped on an unexpected error")
        print("telnyx-bot stopped on an unexpected error; the log above has the details.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
