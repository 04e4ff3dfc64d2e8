"""One server for the benchmark, in its own process so its memory and CPU are its own.

    python -m bench.serve bot        # the bot in HTTP mode, started as `telnyx-bot run --http` starts it
    python -m bench.serve baseline   # a bare Bolt AsyncApp (bench.baseline): acks and responds "ok"

Settings come from the environment (the bench passes a clean one). Both bind 127.0.0.1 on a free port,
print their URL as the first line on stdout once listening, and stop on SIGTERM or SIGINT.

The project is imported only on the bot's path, inside `serve_bot`: the baseline process must load
nothing of it, or its start-up time and memory would not be Bolt's alone.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

HOST = "127.0.0.1"


def announce(url: str) -> None:
    """Tell the bench where we listen: the first line on stdout."""
    print(url, flush=True)


def serve_bot() -> None:
    """The bot, as `telnyx-bot run --http` runs it (settings and app by its own functions), until a signal."""
    from bot.__main__ import build_app, read_settings

    app = build_app(read_settings(env_file=None))
    from bot.server import serve_http  # after build_app, as in `telnyx-bot run`: it imports the app's modules

    asyncio.run(serve_http(app, HOST, 0, ready=announce))


def serve_baseline() -> None:
    """The bare Bolt app, until a signal."""
    from bench.baseline import serve

    asyncio.run(serve(HOST, announce))


def main(argv: list[str] | None = None) -> int:
    """CLI: run the bot or the baseline until SIGTERM."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("kind", choices=("bot", "baseline"))
    args = parser.parse_args(argv)
    if args.kind == "bot":
        serve_bot()
    else:
        serve_baseline()
    return 0


if __name__ == "__main__":
    sys.exit(main())
